using Mediator;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Sessions;

/// <summary>Answers the Host's per-request question from memory: no database read on the hot path.</summary>
internal sealed class ValidateUserTokenHandler(UserTokenState state) : IQueryHandler<ValidateUserToken, bool>
{
    public ValueTask<bool> Handle(ValidateUserToken query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(state.IsValid(query.UserId, query.TokenVersion, query.TokenId));
}
