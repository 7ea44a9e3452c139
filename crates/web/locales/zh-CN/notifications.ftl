## 通知：发送记录、模板、邮箱。

reason-unknown-send-status = 状态只能是 queued、sent、delivered、failed 或 bounced。
reason-unknown-event = 没有这种消息事件。
reason-unknown-template-locale = 模板只有 en 和 zh-CN 两种语言。
reason-template-invalid = 模板无法使用（见所列问题）。
admin-mailbox-rendered = 收件人看到的样子
admin-mailbox-text = 纯文本
admin-sendlog-title = 发送记录
admin-sendlog-channel = 渠道
admin-sendlog-status = 状态
admin-sendlog-provider = 服务商
admin-sendlog-event = 事件
admin-sendlog-recipient = 收件人
admin-sendlog-any = 全部
admin-sendlog-filter = 筛选
admin-sendlog-empty = 没有符合条件的消息。
admin-sendlog-when = 时间
admin-sendlog-template = 模板
admin-sendlog-attempts = 尝试次数
admin-sendlog-provider-id = 服务商消息 ID
admin-sendlog-error = 最近错误
admin-sendlog-more = 更早的消息
