## Accounts, sign-in and security

nav-sign-in = Sign in
nav-register = Create account
nav-sign-out = Sign out
nav-admin = Back office
form-optional = (optional)

error-unauthenticated = Please sign in first.
error-forbidden = Your account isn't allowed to do that.
error-invalid-credentials = That e-mail/phone and password don't match an account.
error-too-many-attempts = Too many attempts. Wait { $seconds } seconds and try again.
error-too-many-attempts-generic = Too many attempts. Wait a moment and try again.
error-too-many-codes = Too many codes were sent. Try again in { $minutes } minutes.
error-too-many-codes-generic = Too many codes were sent. Try again later.
error-account-not-verified = Please confirm your e-mail or phone first: we've sent you a new code.
error-code-invalid = That code isn't right. { $left } tries left.
error-code-invalid-generic = That code isn't right.
error-code-expired = That code has expired or was already used. Ask for a new one.
error-challenge-expired = The sign-in took too long or had too many wrong codes. Please sign in again.
error-already-in-use = That { $field } already belongs to another account.
error-already-in-use-generic = That is already used by another account.
error-password-confirmation-failed = Your current password isn't right.
error-sign-in-provider-failed = The sign-in provider didn't confirm who you are. Please try again.

reason-code-format = enter the 6 digits from the message.
reason-token-name = give the token a name of up to 60 characters.
reason-second-factor-method = choose SMS or e-mail.
reason-second-factor-unconfirmed = confirm that phone number or e-mail address first.
reason-email-too-long = an e-mail address has at most { $max } characters.
reason-email-spaces = an e-mail address has no spaces.
reason-email-missing-at = an e-mail address needs an @, as in name@example.com.
reason-email-multiple-at = an e-mail address has only one @.
reason-email-local-part = the part before the @ isn't valid.
reason-email-domain = the part after the @ must be a domain such as example.com.
reason-phone-characters = use digits only, with an optional + and spaces.
reason-phone-missing-country-code = add the country code, e.g. +86 138 0013 8000.
reason-phone-country-code = that country code doesn't exist.
reason-phone-length = a phone number has { $min } to { $max } digits.
reason-phone-china-mobile = a mainland China mobile number has 11 digits starting with 13–19.
reason-identifier-required = enter your e-mail address or mobile number.
reason-password-too-short = use at least { $min } characters.
reason-password-too-long = use at most { $max } characters.
reason-password-common = that password is too common; choose another.
reason-password-contains-email = don't use your e-mail address in the password.
reason-password-contains-phone = don't use your phone number in the password.
reason-totp-format = enter the 6 digits your app shows.
reason-totp-invalid = that code isn't right; check your device's clock.
reason-totp-replayed = that code was already used; wait for the next one.
reason-totp-secret = the authenticator key isn't valid.
reason-unknown-role = that role doesn't exist.
reason-throttle-wait = wait { $seconds } seconds and try again.
reason-throttle-locked = too many attempts; try again in { $minutes } minutes.
reason-too-many-items = choose at most { $max }.
reason-duplicate-item = each choice may appear only once.
reason-notification-required = security messages and booking confirmations can't be turned off.
reason-passport-name-too-long = at most { $max } letters.
reason-passport-name-characters = use the Latin letters A–Z as in your passport.
reason-passport-name-form = spaces, hyphens and apostrophes only between letters.
reason-chinese-name-too-long = at most { $max } characters.
reason-chinese-name-characters = use Chinese characters (and · between name parts).
reason-chinese-name-form = a · only between name parts.
reason-second-factor-off = two-step verification is off.

auth-identifier = E-mail or mobile number
auth-identifier-placeholder = name@example.com or +86 138 0013 8000
auth-identifier-hint = Mobile numbers in international form, e.g. +86 138 0013 8000.
auth-password = Password
auth-new-password = New password
auth-password-hint = At least 10 characters. Avoid common passwords and your own e-mail or number.
auth-name = Your name
auth-code = Code

auth-login-title = Sign in
auth-login-submit = Sign in
auth-login-with-code = Sign in with a one-time code
auth-forgot-link = Forgot your password?
auth-or-continue-with = or continue with
auth-no-account = New to Wayfare?
auth-register-link = Create an account
auth-have-account = Already have an account?
auth-login-link = Sign in
auth-back-to-login = Back to sign in

auth-register-title = Create your account
auth-register-lead = Book faster with saved travellers, see your trips and get updates.
auth-register-submit = Create account

auth-verify-title = Confirm it's you
auth-verify-lead = We sent a 6-digit code to { $destination }. It works for 10 minutes.
auth-verify-submit = Confirm
auth-code-title = Sign in with a code
auth-code-send = Send me a code
auth-code-sent = If that account exists, a code is on its way.
auth-code-resend = Send a new code
auth-code-resent = A new code is on its way.

auth-2fa-title = Two-step verification
auth-2fa-lead-totp = Enter the 6-digit code from your authenticator app.
auth-2fa-lead-sms = Enter the 6-digit code we sent to your phone.
auth-2fa-lead-email = Enter the 6-digit code we sent to your e-mail.
auth-2fa-recovery-hint = Lost your device? Enter one of your recovery codes instead.
auth-2fa-submit = Verify

auth-forgot-title = Reset your password
auth-forgot-lead = Enter the e-mail or mobile number of your account. We'll send a link (e-mail) or a code (SMS).
auth-forgot-submit = Send
auth-forgot-sent-email = If an account uses that address, we've sent it a link to reset the password. The link works for 30 minutes.
auth-forgot-sent-phone = If an account uses that number, we've sent it a code. Enter it with your new password.
auth-reset-title = Choose a new password
auth-reset-submit = Set new password
auth-reset-expired = This link has expired or was already used.
auth-reset-again = Ask for a new link
auth-reset-done = Your password was changed and you were signed out everywhere. Sign in with the new password.

account-title = My account
account-nav-label = Account sections
account-nav-profile = Profile
account-nav-security = Security
account-contact = Contact
account-email = E-mail
account-phone = Mobile
account-none = not set
account-verified = confirmed
account-unverified = not confirmed
account-member-since = Member since
account-manage = Manage
account-profile = Profile
account-name-zh = Chinese name
account-family-name = Surname (as on passport)
account-given-name = Given names (as on passport)
account-passport-hint = Latin letters exactly as printed in your passport; airlines check them.
account-save = Save
account-saved-profile = Your profile was saved.

account-2fa = Two-step verification
account-2fa-state-none = Off
account-2fa-state-totp = On: authenticator app
account-2fa-state-sms = On: codes by SMS
account-2fa-state-email = On: codes by e-mail
account-2fa-lead = Ask for a code as well as your password when signing in.
account-2fa-enable-totp = Use an authenticator app
account-2fa-enable-code = Or receive codes
account-2fa-by-sms = By SMS
account-2fa-by-email = By e-mail
account-2fa-turn-on = Turn on
account-2fa-turn-off = Turn off two-step verification
account-2fa-enabled = Two-step verification is on. Keep your recovery codes somewhere safe.
account-2fa-disabled = Two-step verification is off.
account-current-password = Current password
account-recovery-title = Your recovery codes
account-recovery-lead = Each code works once if you lose your device. They are shown only now: print them or keep them in a password manager.
account-recovery-left = { $count ->
    [one] One recovery code left.
   *[other] { $count } recovery codes left.
}
account-recovery-regenerate = New recovery codes
account-recovery-regenerated = New recovery codes made; the old ones no longer work.

account-security-title = Security
account-password-title = Password
account-password-change = Change password
account-saved-password = Your password was changed. Other sessions were signed out.

account-sessions-title = Where you're signed in
account-session-device = Device
account-session-ip = IP address
account-session-signed-in = Signed in
account-session-last-seen = Last active
account-session-actions = Actions
account-session-current = this device
account-session-revoke = Sign out
account-sessions-revoke-others = Sign out everywhere else
account-sessions-ended = All other sessions were signed out.
account-session-ended = That session was signed out.
account-device-unknown = Unknown device

account-tokens-title = Personal API tokens
account-tokens-lead = For scripts that use the Wayfare API as you: send the token as "Authorization: Bearer …".
account-token-name = Token name
account-token-create = Create token
account-token-created = Token created.
account-token-new-title = Your new token
account-token-new-lead = Copy it now: it won't be shown again.
account-token-created-at = created { $when }
account-token-last-used = last used { $when }
account-token-never-used = never
account-token-revoke = Revoke
account-token-revoked = The token was revoked.

account-totp-title = Set up an authenticator app
account-totp-step-install = Install an authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password).
account-totp-step-scan = Scan this QR code with it, then enter the 6-digit code it shows.
account-totp-qr-alt = QR code for your authenticator app
account-totp-manual = Can't scan? Type this key instead:
account-totp-code = Code from the app
account-totp-confirm = Turn on
account-back-to-security = Back to security

admin-mailbox-title = Demo mailbox
admin-templates-title = Message templates
admin-mailbox-lead = Every e-mail (as rendered, with its attachments) and SMS sent, newest first (demo installations only; kept in memory until restart).
admin-mailbox-empty = No messages yet.
admin-mailbox-not-local = Messages are not kept here in production; see the send log.

## Field names in validation messages ("Please check “{ $field }”: …")
field-password = password
field-new_password = new password
field-identifier = e-mail or mobile number
field-email = e-mail
field-phone = mobile number
field-code = code
field-currency = currency
field-locale = language
field-method = method
field-name = name
field-name_zh = Chinese name
field-given_name = given name
field-family_name = surname
field-token = link

## Sign-in methods (OpenID Connect)
account-identities-title = Sign-in methods
account-identities-lead = Accounts at other providers you can sign in with.
account-identities-none = No other sign-in providers are configured on this site.
account-identity-linked-at = linked { $when }
account-identity-unlink = Remove
account-identity-link = Link { $provider }
account-identity-linked = The sign-in method was linked.
account-identity-unlinked = The sign-in method was removed.
account-welcome = Welcome to Wayfare! Your account is ready.
reason-last-sign-in-method = this is the only way to sign in to the account: set a password or link another provider first.
field-identity = sign-in method

## Back office: accounts, roles, audit
admin-nav-label = Back office
admin-search = Search
admin-pages = Pages
admin-prev = Previous
admin-next = Next
admin-users-title = Accounts
admin-users-search = E-mail, phone, name or id
admin-users-total = { $count ->
    [one] One account
   *[other] { $count } accounts
}
admin-users-none = No account matches.
admin-user-since = since { $when }
admin-user-title = Account
admin-user-name = Name
admin-user-created = Created
admin-user-id = Account id
admin-user-audit = Audit entries about this account
admin-roles-title = Roles
admin-roles-lead = Every account is a customer. Back-office roles open the agent, supervisor, finance and admin pages; each page checks them.
admin-roles-none = Customer only.
admin-role-add = Add a role
admin-role-grant = Grant
admin-role-revoke = Revoke
admin-role-granted = The role was granted.
admin-role-revoked = The role was revoked.
admin-audit-title = Audit log
admin-audit-action = Action
admin-audit-actor = Who (id, e-mail or phone)
admin-audit-target = Whom (id, e-mail or phone)
admin-audit-ip = IP address
admin-audit-from = From (UTC)
admin-audit-to = To (UTC)
admin-audit-at = When
admin-audit-detail = Detail
admin-audit-total = { $count ->
    [one] One entry
   *[other] { $count } entries
}
admin-audit-none = No entries match.
role-customer = Customer
role-agent = Agent
role-supervisor = Supervisor
role-finance = Finance
role-admin = Admin
reason-role-not-grantable = only admins grant roles, and every account is a customer already.
reason-last-admin = this is the last admin: grant the role to someone else first.
field-role = role
field-from = from
field-to = to
