## 订单：错误与原因。

error-offer-unavailable = 该报价已失效，请重新搜索。
error-price-changed = 价格已变为 { $total }。请确认新价格后继续。
error-price-changed-generic = 价格已变动。请确认新价格后继续。
error-sold-out = 抱歉，刚刚已售罄。请选择其他航班或房型。
error-hold-expired = 您的预留已过期，座位和房间已释放，未产生任何扣款。请重新预订。
error-order-not-payable = 该订单当前状态无法支付。
error-payment-in-progress = 该订单的支付正在处理中，请稍候。
error-payment-declined = 支付被拒绝，未产生扣款。请换一张卡重试。
error-payment-unavailable = 支付服务暂时不可用，未产生扣款。请稍后重试。
error-supplier-unavailable = 航空公司或酒店系统暂时无响应，请稍后重试。
error-supplier-rejected = 航空公司或酒店无法接受这些信息，请检查后重试。
error-confirmation-failed = 订单 { $reference } 未能获得航空公司或酒店确认。您的付款已释放，未产生扣款。
error-confirmation-failed-generic = 订单未能获得航空公司或酒店确认。您的付款已释放，未产生扣款。
error-idempotency-key-reused = 该 Idempotency-Key 已用于另一个请求。
error-request-in-progress = 相同的请求仍在处理中，请稍候。

reason-order-empty = 请选择要预订的航班或酒店。
reason-rate-rooms = 该价格包含 { $count } 间房，请为每间房填写入住人。
reason-room-party = 该房间的入住人数与所选价格不符。
reason-no-exchange-rate = 暂时无法以该币种显示价格。
reason-passenger-type = 请选择成人、儿童或婴儿。
reason-infant-without-adult = 每名婴儿需要由一名成人携带。
reason-payment-unavailable-provider = 该支付方式不可用。
reason-payment-method = 该卡或支付方式无法使用。
reason-idempotency-key = 请发送 1–255 个字符。
reason-amount = 请输入金额，例如 1234.50。
reason-born-in-future = 出生日期不能晚于今天。
reason-passenger-too-old = 该旅客在出行日已满 { $age } 岁，请选择对应的旅客类型。
reason-passenger-too-young = 该旅客在出行日仅 { $age } 岁，请选择对应的旅客类型。
reason-passport-required = 国际旅行需要护照信息。
reason-passport-number = 请按护照填写 5–20 位字母和数字。
reason-passport-expired = 护照在出行日前已过期。
reason-passport-expires-soon = 护照有效期须在行程结束后至少 { $months } 个月。
reason-nationality = 请填写两位国家代码，例如 CN 或 GB。
reason-passenger-gender = 请按护照选择女或男。

## Payments: staff operations and provider notifications.
error-payment-state = 该笔支付当前状态下无法执行此操作。
error-refund-not-allowed = 该笔支付已无可退款金额。
error-webhook-rejected = 通知未通过验证，已忽略。
reason-capture-amount = 请款金额不能超过授权金额，且须为同一币种。
reason-refund-currency = 请使用该笔支付的币种退款。
reason-card-number-not-accepted = 请提交支付表单生成的令牌，切勿直接发送卡号。
error-event-not-dead = 只有已彻底失败的事件才能重新发送。
reason-unknown-status = 状态只能是 pending、delivered 或 dead。
