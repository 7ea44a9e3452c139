# Wayfare — 简体中文。每个键都必须在所有语言中存在（由测试检查）。

language-native-name = 简体中文
site-name = Wayfare 途悦
site-description = 全球机票与酒店，中英文预订，支付方式随心选。

## 导航与布局
nav-skip-to-content = 跳到正文
nav-label = 主导航
nav-home = 首页
nav-airports = 机场
nav-api = 开发者
prefs-language = 语言
prefs-currency = 币种
prefs-apply = 应用
footer-tagline = 为中国及全球旅客提供机票与酒店预订。
footer-nav-label = 页脚导航
footer-api-docs = API 文档
footer-openapi = OpenAPI 文档
footer-prices-in = 价格按展示汇率以 { $currency } 显示；实际支付币种以结算页为准。
footer-data-credits = 机场数据：airportsdata（MIT）。航空公司数据：OpenFlights（ODbL 1.0）。城市数据：GeoNames（CC BY 4.0）。

## 首页
home-title = 机票与酒店
home-hero-title = 走得更远，订得安心
home-hero-lead = 覆盖全球航空公司的航班与数千座城市的酒店——以您的币种清楚标价，改退规则公平透明，中英文客服随时帮忙。
home-finder-label = 查找机场
home-finder-placeholder = 城市、机场或代码，如 上海、London、PVG
home-finder-submit = 搜索
home-finder-hint = 输入中文或英文的城市名、机场名，或三字代码。
home-finder-results = 匹配的机场
home-finder-none = 没有找到匹配的机场。
home-offer-title = Wayfare 能为您做什么
home-offer-flights-title = 机票
home-offer-flights-body = 单程、往返与多程行程，只组合真正赶得上的中转，支持筛选，并有低价日历。
home-offer-hotels-title = 酒店
home-offer-hotels-body = 按目的地、日期、房间与人数搜索酒店，支持地图、主题、特惠和您信赖的连锁品牌。
home-offer-payments-title = 支付随心
home-offer-payments-body = 银行卡、支付宝、微信支付、PayPal、分期或 Wayfare 钱包——从搜索到支付价格不变。
home-offer-support-title = 需要时就有帮助
home-offer-support-body = 改签与退订费用按票价和酒店规则计算，可与智能助手或人工客服对话。
home-data-title = 基于真实数据
home-data-body = 所有机场、航空公司与城市均来自公开发布的数据集，并带有当地时区，确保时间与中转准确。
home-data-airports = 机场
home-data-airlines = 航空公司
home-data-cities = 城市
home-rates-title = { $currency } 展示汇率
home-rates-none = 尚未配置其他币种。
home-rates-col-currency = 币种
home-rates-col-amount = 金额
home-rates-note = 汇率更新于 { $date }，按四舍六入五成双取整，仅用于价格展示。

## 机场查询页
airports-title = 机场
airports-heading = 与“{ $query }”匹配的机场
airports-prompt = 按城市、机场名或代码搜索机场。
airports-col-code = 代码
airports-col-name = 机场
airports-col-city = 城市
airports-col-country = 国家/地区
airports-col-tz = 时区
airports-none = 没有与“{ $query }”匹配的机场。请试试城市名或三字代码。
airports-count = 共 { $count } 个机场

## 错误页面
error-page-title-400 = 请求未能完成
error-page-title-403 = 不允许此操作
error-page-title-404 = 页面不存在
error-page-title-500 = 我们这边出了点问题
error-page-home = 返回首页

## 错误信息（API 与页面）；键名为 error- 加错误代码
error-not-found = 没有找到您请求的内容。
error-method-not-allowed = 此处不支持该操作。
error-invalid-json = 请求正文不是此接口可接受的 JSON。
error-invalid-query = 请求的查询参数缺失或格式有误。
error-invalid-form = 无法读取表单数据。
error-validation-failed = 请检查“{ $field }”：{ $reason }
error-validation-failed-generic = 提交的部分信息无效。
error-unsupported-media-type = 请以 JSON 格式发送此请求（Content-Type: application/json）。
error-payload-too-large = 请求内容过大。
error-csrf-failed = 安全校验未通过，请刷新页面后重试。
error-request-timeout = 处理超时，请重试。
error-unknown-currency = 无法识别币种“{ $code }”。
error-unknown-currency-generic = 无法识别该币种。
error-no-exchange-rate = 暂无 { $code } 的汇率。
error-no-exchange-rate-generic = 暂无该币种的汇率。
error-database-unavailable = 服务暂时不可用，请稍后再试。
error-internal = 我们这边出了点问题，已记录在案，请重试。

## 校验失败的原因
reason-required = 此项必填。
reason-too-long = 内容过长。
reason-limit-range = 请选择 1 到 { $max } 之间的数字。
reason-unknown-language = 不支持该语言。
reason-unknown-currency = 不支持该币种。
reason-not-a-number = 请输入金额，例如 100 或 99.50。
reason-too-precise = 该币种最多 { $digits } 位小数。
reason-out-of-range = 金额过大。

## 币种名称
currency-AED = 阿联酋迪拉姆
currency-AUD = 澳大利亚元
currency-CAD = 加拿大元
currency-CHF = 瑞士法郎
currency-CNY = 人民币
currency-EUR = 欧元
currency-GBP = 英镑
currency-HKD = 港币
currency-JPY = 日元
currency-KRW = 韩元
currency-MYR = 马来西亚林吉特
currency-NZD = 新西兰元
currency-SGD = 新加坡元
currency-THB = 泰铢
currency-TWD = 新台币
currency-USD = 美元

## 航班搜索校验
reason-slice-count = 请填写 1 到 { $max } 个航段。
reason-unknown-airport = 无法识别该机场，请使用三字代码，例如 PVG。
reason-same-origin-destination = 目的地不能与出发地相同。
reason-invalid-date = 请使用 2026-12-10 这样的日期格式。
reason-date-in-past = 该日期已过。
reason-date-beyond-horizon = 暂不能预订这么远的航班。
reason-date-before-previous = 该航段早于上一航段出发。
reason-invalid-time = 请使用 08:30 这样的时间格式。
reason-adult-required = 至少需要一名成人出行。
reason-infants-exceed-adults = 每名婴儿需由一名成人怀抱，请增加成人或减少婴儿。
reason-too-many-passengers = 每次最多 { $max } 名旅客同行预订。
reason-unknown-cabin = 请选择 economy、premium_economy、business 或 first。
reason-max-connections = 中转次数请在 0 到 { $max } 之间。
reason-unknown-airline = 请使用两位航空公司代码，例如 CA。
reason-range-inverted = 最高价低于最低价。
reason-unknown-sort = 排序方式可选 best、price、duration、departure 或 arrival。
