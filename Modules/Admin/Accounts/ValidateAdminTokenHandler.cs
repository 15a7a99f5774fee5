using Mediator;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

// Placeholder until the Admin module keeps admin accounts: no admin token is valid.
internal sealed class ValidateAdminTokenHandler : IQueryHandler<ValidateAdminToken, bool>
{
    public ValueTask<bool> Handle(ValidateAdminToken query, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
