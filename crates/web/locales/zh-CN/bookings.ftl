## 预订页面：结账、支付、沙盒银行验证、订单、我的预订、查找预订。

bookings-nav-mine = 我的预订
bookings-nav-find = 查找预订
bookings-book = 预订
bookings-book-fare = 预订此票价

## 结账

bookings-checkout-title = 填写订单
bookings-your-trip = 您的行程
bookings-item-flight = 机票
bookings-item-hotel = 酒店
bookings-item-total = 价格
bookings-total = 总价
bookings-price-title = 价格明细
bookings-line-base-fare = 票价
bookings-line-room-price = 房费
bookings-line-taxes = 税费
bookings-line-fees = 服务费
bookings-line-discount = 优惠
bookings-cancellation = 取消政策
bookings-price-changed = 价格已从 { $from } 变为 { $to }。
bookings-price-changed-item = { $item } 的价格已从 { $from } 变为 { $to }。
bookings-price-changed-accept = 继续预订即按新的总价 { $total } 预订。
bookings-add-hotel = 添加{ $city }的酒店
bookings-search-flights = 搜索机票
bookings-search-hotels = 搜索酒店
bookings-form-problems = 请检查以下信息：
bookings-agent-title = 为客户预订
bookings-customer = 客户（邮箱或手机号）
bookings-customer-hint = 订单将为该客户创建，确认信息发送给客户。留空则为您自己预订。
bookings-passengers-title = 乘机人
bookings-names-passport = 请按护照上的拼写填写每位乘机人的姓名。
bookings-names-id = 请按乘机所用身份证或护照填写姓名。
bookings-passenger-title = 乘机人 { $n } · { $kind }
bookings-kind-adult = 成人
bookings-kind-child = 儿童（2–11 岁）
bookings-kind-infant = 婴儿（2 岁以下）
bookings-fill-saved = 从常用旅客填写
bookings-fill-saved-none = 手动填写
bookings-field-type = 乘客类型
bookings-field-given-name = 名
bookings-field-family-name = 姓
bookings-field-born-on = 出生日期
bookings-field-gender = 性别
bookings-field-nationality = 国籍（两位字母）
bookings-field-passport-number = 护照号码
bookings-field-passport-expiry = 护照有效期至
bookings-choose = 请选择…
bookings-gender-f = 女
bookings-gender-m = 男
bookings-passport-saved = 留空则使用已保存的护照 { $masked }。
bookings-guests-title = 入住人
bookings-room-title = 房间 { $n }
bookings-room-title-named = 房间 { $n } · { $room }
bookings-lead-guest-hint = 房间登记在此入住人名下，办理入住时需出示证件。
bookings-special-requests = 特殊要求
bookings-special-requests-hint = 例如高楼层或晚到。酒店会尽量安排，但无法保证。
bookings-optional = （选填）
bookings-contact-title = 联系方式
bookings-contact-hint = 确认信息和变更通知将发送到这里。
bookings-contact-email = 邮箱
bookings-contact-phone = 手机号
bookings-hold-explain = 支付期间我们为您保留座位和房间 15 分钟，现在不会扣款。
bookings-continue-to-payment = 去支付

## 支付

bookings-pay-title = 支付
bookings-pay-lead = 订单 { $reference } 已为您保留。请在时限内完成支付以确认预订。
bookings-hold-left = 剩余支付时间：
bookings-hold-until = 保留至 { $time }。
bookings-hold-over = 支付时间已过。
bookings-card-title = 银行卡
bookings-sandbox-note = 测试支付：这是沙盒环境，不会产生真实扣款。请选择一张测试卡查看效果。
bookings-card-succeeds = 支付成功
bookings-card-3ds = 需要银行验证（3-D Secure）
bookings-card-fails = 被拒绝（{ $code }）
bookings-pay-submit = 支付 { $total }
bookings-pay-now = 立即支付
bookings-payment-in-progress = 您的支付正在处理中，结果确定后会显示在本页。
bookings-declined-insufficient-funds = 您的卡被拒绝：余额不足。未产生扣款，请换一张卡重试。
bookings-declined-lost-card = 您的卡已挂失，支付被拒绝。未产生扣款，请换一张卡重试。
bookings-declined-stolen-card = 您的卡已被报告被盗，支付被拒绝。未产生扣款，请换一张卡重试。
bookings-declined-expired-card = 您的卡已过期。未产生扣款，请换一张卡重试。
bookings-declined-incorrect-cvc = 卡片安全码不正确。未产生扣款，请重试。
bookings-declined-processing-error = 卡片处理出错。未产生扣款，请重试。
bookings-declined-payment-intent-authentication-failure = 银行未确认此次支付。未产生扣款，请重试或换一张卡。
bookings-expired-title = 支付时间已过
bookings-expired-body = 订单 { $reference } 未在时限内支付，座位和房间已释放，未产生任何扣款。价格和余量可能已变化，请重新搜索。
bookings-see-order = 查看已过期的订单

## 沙盒 3-D Secure 页面

bookings-3ds-sandbox = 沙盒银行
bookings-3ds-title = 您的银行需要确认此次支付
bookings-3ds-lead = 本页模拟银行的 3-D Secure 验证。批准则继续支付，拒绝则终止支付。
bookings-3ds-approve = 批准支付
bookings-3ds-refuse = 拒绝
bookings-3ds-note = 支付沙盒的测试页面，不涉及真实银行。
bookings-finish-3ds = 前往银行确认
bookings-reference = 预订编号
bookings-amount = 金额
bookings-card = 银行卡

## 订单

bookings-order-title = 订单 { $reference }
bookings-confirmed-banner = 预订成功 — 预订编号 { $reference }
bookings-confirmed-sent = 确认信息已通过邮件和短信发送给您。
bookings-status = 状态
bookings-booked-on = 预订时间
bookings-status-held = 已保留，待支付
bookings-status-awaiting-payment = 支付处理中
bookings-status-paid = 已支付，确认中
bookings-status-confirmed = 已确认
bookings-status-expired = 已过期
bookings-status-cancelled = 已取消
bookings-item-status-held = 已保留
bookings-item-status-confirmed = 已确认
bookings-item-status-released = 已释放
bookings-item-status-failed = 未能确认
bookings-pnr = 航空公司订座记录（PNR）
bookings-hotel-confirmation = 酒店确认号
bookings-tickets = 票号
bookings-travellers-title = 出行人
bookings-lead-guest = 入住人
bookings-guest-room = { $hotel }，房间 { $room }
bookings-special-requests-shown = 特殊要求：{ $text }
bookings-born-on = 出生日期 { $date }
bookings-nationality-shown = 国籍 { $country }
bookings-passport-shown = 护照尾号 { $last4 }，有效期至 { $expiry }
bookings-payments-title = 支付记录
bookings-payments-none = 尚未支付。
bookings-payment-captured = （已扣款 { $amount }）
bookings-refunds-title = 退款
bookings-when = 时间
bookings-who = 操作人
bookings-event = 事件
bookings-timeline-title = 订单记录
bookings-payment-status-pending = 已发起
bookings-payment-status-requires-action = 等待银行验证
bookings-payment-status-processing = 处理中
bookings-payment-status-succeeded = 已支付
bookings-payment-status-failed = 被拒绝，未扣款
bookings-payment-status-requires-capture = 已授权，尚未扣款
bookings-payment-status-partially-captured = 部分扣款
bookings-payment-status-cancelled = 已取消，未扣款
bookings-payment-status-manual-review = 财务人员处理中
bookings-event-created = 订单已创建并保留
bookings-event-payment-started = 开始支付
bookings-event-payment-failed = 支付被拒绝
bookings-event-payment-requires-action = 银行要求确认支付
bookings-event-payment-succeeded = 支付已授权
bookings-event-suppliers-confirmed = 航空公司和酒店已确认
bookings-event-suppliers-failed = 航空公司或酒店未能确认，款项已退回
bookings-event-hold-expired = 保留已过期，座位和房间已释放
bookings-event-cancelled = 已取消
bookings-actor-you = 您
bookings-actor-guest = 访客
bookings-actor-traveller = 出行人
bookings-actor-agent = Wayfare 客服
bookings-actor-system = Wayfare

## 我的预订

bookings-mine-title = 我的预订
bookings-upcoming = 即将出行
bookings-past = 已出行
bookings-ended = 已取消和已过期
bookings-upcoming-empty = 暂无即将出行的行程，去计划一次旅行吧？
bookings-past-empty = 暂无已出行的行程。
bookings-ended-empty = 没有已取消或已过期的订单。
bookings-view = 查看
bookings-placed-by-you = 由您为客户预订

## 查找预订

bookings-find-title = 查找预订
bookings-find-lead = 请输入预订编号和预订时使用的邮箱。
bookings-find-submit = 查找预订
bookings-find-not-found = 未找到与该预订编号和邮箱匹配的预订，请核对后重试。
bookings-find-sign-in = 使用账号预订的？
bookings-more-cards = 更多测试卡：拒付与银行验证
bookings-supplier-price = 按供应商币种为 { $amount }

## 支付方式

bookings-method-title = 选择支付方式
bookings-method-card = 银行卡
bookings-method-card-hint = Visa、Mastercard、American Express、银联
bookings-method-instalments = 分期付款
bookings-method-instalments-hint = 每月从银行卡扣款，收取少量手续费
bookings-method-paypal = PayPal
bookings-method-paypal-hint = 在 PayPal 页面确认付款
bookings-method-alipay = 支付宝
bookings-method-alipay-hint = 在支付宝页面或支付宝 App 中付款
bookings-method-wechatpay = 微信支付
bookings-method-wechatpay-hint = 用微信扫码，或在手机上用微信付款
bookings-method-klarna = Klarna
bookings-method-klarna-hint = 通过 Klarna 延后或分期付款
bookings-plan-title = 分期方案
bookings-plan-label = { $count } 期 × { $amount }
bookings-plan-detail = 手续费 { $fee } · 共 { $total } · 还款日 { $dates }
bookings-plan-note = 预订确认时按含手续费的总额从卡中扣款，由该卡的分期计划按上述日期分月还款。
bookings-new-card = 使用新卡
bookings-card-needs-js = 输入新卡需要启用 JavaScript：卡号直接提交给支付服务商，不经过我们。
bookings-card-by-stripe = 您的卡信息直接提交给我们的支付服务商 Stripe，我们只收到一个令牌。
bookings-wallet-note = 您将跳转到支付服务商的页面确认付款，完成后返回本页。
bookings-no-methods = 该订单的币种暂无可用的支付方式，请联系我们。
bookings-payment-instalments = 分 { $count } 期（手续费 { $fee }）
bookings-payment-processing = 正在等待支付服务商的结果。本页会自动更新，不会重复扣款。
reason-payment-method-not-offered = 该订单不支持这种支付方式。
reason-instalments-not-offered = 该订单不支持这个分期方案。
reason-saved-card = 请选择您本人保存的银行卡。
bookings-refresh = 立即刷新

## 支付页上的微信支付与 Klarna

bookings-wechat-note = 在电脑上用微信扫码；在手机上直接用微信支付付款。
bookings-wechat-title = 微信支付
bookings-wechat-qr-alt = 本订单的微信支付二维码
bookings-wechat-scan = 打开微信，点“+”后选“扫一扫”，扫描此码付款。
bookings-wechat-scan-in-wechat = 已在微信中？长按二维码，选择“识别图中二维码”。
bookings-wechat-sheet = 请在微信支付窗口中确认付款。
bookings-wechat-open = 打开微信支付
bookings-wechat-h5 = 请在微信支付页面付款，完成后会返回本页。
bookings-wechat-waiting = 正在等待微信支付的结果。本页每隔几秒自动刷新，付款成功后会自动跳转。
bookings-wechat-paid = 我已付款
bookings-wechat-other-way = 换一种方式付款
bookings-wechat-continue = 继续使用微信支付付款
bookings-wechat-notice-not-yet = 微信支付尚未收到您的付款。如果您刚刚付款，请稍候。
bookings-wechat-notice-unavailable = 暂时无法连接微信支付。您的付款是安全的，请稍后再试。
bookings-wechat-notice-cancelled = 付款已取消。您可以再次打开微信支付，或换一种方式付款。
bookings-wechat-notice-failed = 微信支付未能完成付款。您可以重试，或换一种方式付款。
bookings-wechat-authorize-failed = 微信未能确认付款人身份。请重试，或选择其他付款方式。
bookings-wechat-unavailable = 暂时无法连接微信。请稍后再试，或选择其他付款方式。
bookings-klarna-needs-js = 使用 Klarna 付款需要启用 JavaScript：Klarna 会在自己的窗口中询问您的信息。
bookings-klarna-refused = 此订单无法使用 Klarna。请选择其他付款方式。
bookings-klarna-unavailable = 暂时无法加载 Klarna。请重试，或选择其他付款方式。
