using Mediator;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Sessions;

// Placeholder until the Auth module keeps users: no user token is valid.
internal sealed class ValidateUserTokenHandler : IQueryHandler<ValidateUserToken, bool>
{
    public ValueTask<bool> Handle(ValidateUserToken query, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
