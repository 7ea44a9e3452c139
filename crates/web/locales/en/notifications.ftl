## Notifications: send log, templates, mailbox.

reason-unknown-send-status = the statuses are queued, sent, delivered, failed and bounced.
reason-unknown-event = there is no such message event.
reason-unknown-template-locale = templates are kept in en and zh-CN.
reason-template-invalid = the template cannot be used (see the problems listed).
admin-mailbox-rendered = As the recipient sees it
admin-mailbox-text = Plain text
admin-sendlog-title = Send log
admin-sendlog-channel = Channel
admin-sendlog-status = Status
admin-sendlog-provider = Provider
admin-sendlog-event = Event
admin-sendlog-recipient = Recipient
admin-sendlog-any = Any
admin-sendlog-filter = Filter
admin-sendlog-empty = No messages match.
admin-sendlog-when = When
admin-sendlog-template = Template
admin-sendlog-attempts = Attempts
admin-sendlog-provider-id = Provider id
admin-sendlog-error = Last error
admin-sendlog-more = Older messages
