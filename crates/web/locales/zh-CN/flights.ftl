# Wayfare — 简体中文：机票搜索、结果与探索页面。
# 每个键都必须在 en/flights.ftl 中存在（由测试检查）。

## 导航
nav-flights = 机票
nav-explore = 探索

## 搜索表单
flights-title = 搜索机票
flights-lead = 单程、往返或多程，只组合真正赶得上的中转。所有时间均为各机场当地时间。
flights-form-title = 您要飞往哪里？
flights-trip-legend = 行程类型
flights-trip-oneway = 单程
flights-trip-round = 往返
flights-trip-multi = 多程
flights-form-airport-placeholder = 城市、机场或代码
flights-form-swap = 交换出发地和目的地
flights-form-return-hint = （仅往返）
flights-form-more-flights = 更多航段
flights-form-multi-hint = 多程行程可在此再添加最多两段航班；其他行程请留空。
flights-form-add-flight = 再添加一段航班
flights-form-adults-age = 12岁及以上
flights-form-children-age = 2–11岁
flights-form-infants-age = 2岁以下，不占座
flights-form-party-rule = 每次最多 9 位旅客。每名婴儿需由一名成人怀抱，婴儿人数不能多于成人。
flights-form-party-over = 旅客过多：最多 9 位，且婴儿人数不能多于成人。
flights-form-change = 允许同城换机场中转
flights-form-change-hint = 例如到达浦东（PVG）后从虹桥（SHA）出发，请预留转场时间。
flights-form-submit = 搜索机票
flights-explore-link = 还没想好去哪儿？看看最便宜的目的地
flights-errors-title = 请检查您的搜索条件
flights-reason-choose = 请从列表中选择。

## 字段名称（错误信息与标签）
flights-field-from = 出发地
flights-field-to = 目的地
flights-field-depart = 出发日期
flights-field-return = 返程日期
flights-field-party = 旅客
flights-field-adults = 成人
flights-field-children = 儿童
flights-field-infants = 婴儿
flights-field-cabin = 舱位
flights-field-stops = 中转次数
flights-field-sort = 排序
flights-field-airline = 航空公司
flights-field-via = 中转机场
flights-field-max-price = 最高价格
flights-field-max-hours = 最长飞行时间（单程）
flights-field-limit = 每页结果数
flights-field-origin = 出发地
flights-field-lat = 您的位置
flights-field-budget = 预算
flights-field-dtime = 第 { $n } 程起飞时间
flights-field-range-from = 最早出发
flights-field-range-to = 最晚出发
flights-field-search = 搜索
flights-field-numbered = 第 { $n } 程{ $field }

## 舱位、票价类型与中转
flights-cabin-economy = 经济舱
flights-cabin-premium-economy = 超级经济舱
flights-cabin-business = 公务舱
flights-cabin-first = 头等舱
flights-brand-basic = 基础
flights-brand-standard = 标准
flights-brand-flex = 灵活
flights-max-stops-0 = 仅直飞
flights-max-stops-1 = 最多中转 1 次
flights-max-stops-2 = 最多中转 2 次
flights-stops = { $count ->
    [0] 直飞
   *[other] 中转 { $count } 次
}

## 旅客
flights-party-adults = { $count } 位成人
flights-party-children = { $count } 名儿童
flights-party-infants = { $count } 名婴儿

## 日期与时长
flights-duration-hm = { $h }小时{ $m }分
flights-duration-h = { $h }小时
flights-duration-m = { $m }分钟
flights-date-short = { $month }月{ $day }日
flights-date-weekday = { $date } { $weekday }
flights-weekday-1 = 周一
flights-weekday-2 = 周二
flights-weekday-3 = 周三
flights-weekday-4 = 周四
flights-weekday-5 = 周五
flights-weekday-6 = 周六
flights-weekday-7 = 周日
flights-month-1 = 1
flights-month-2 = 2
flights-month-3 = 3
flights-month-4 = 4
flights-month-5 = 5
flights-month-6 = 6
flights-month-7 = 7
flights-month-8 = 8
flights-month-9 = 9
flights-month-10 = 10
flights-month-11 = 11
flights-month-12 = 12
flights-arrives-days-later = { $count ->
    [1] 次日到达
   *[other] { $count } 天后到达
}

## 结果页
flights-results-title = { $route } 机票
flights-route = { $from } → { $to }
flights-route-round = { $from } ⇄ { $to }
flights-modify = 修改搜索
flights-results-heading = 航班
flights-count = 共 { $count } 个航班
flights-count-some = 显示 { $shown } 个，共 { $total } 个航班
flights-show-more = 显示更多航班
flights-currency-note = 价格以 { $currency } 计；标“≈”的金额按今日展示汇率折算为 { $display }。
flights-approx = ≈ { $amount }（约）
flights-price-note = { $count ->
    [1] 含税总价
   *[other] { $count } 位旅客含税总价
}
flights-seats-left = 此价格仅剩 { $count } 个座位
flights-partial = 部分结果未能及时加载（{ $suppliers }），以下列表可能不完整。
flights-offer-title = 第 { $n } 个航班方案
flights-airport-change = 需换机场
flights-slice-oneway = 航班
flights-slice-outbound = 去程
flights-slice-return = 返程
flights-slice-n = 第 { $n } 程

## 低价日历
flights-calendar-heading = 前后几天的价格
flights-calendar-title = 按出发日期的最低单程价
flights-calendar-depart = 出发日期（{ $date } 返程）
flights-calendar-return = 返程日期（{ $date } 出发）
flights-calendar-cheapest = 最低价
flights-calendar-none = 无航班
flights-calendar-grid = 查看全部日期组合（7 × 7）
flights-grid-corner = 去程 ↓ / 返程 →

## 排序
flights-sort-label = 航班排序
flights-sort-best = 综合最佳
flights-sort-price = 价格最低
flights-sort-duration = 耗时最短
flights-sort-departure = 起飞最早
flights-sort-arrival = 到达最早
flights-sort-best-hint = “综合最佳”兼顾价格、耗时与中转：价格 ÷ 最低价 + 耗时 ÷ 最短耗时 + 每次中转加 0.25，得分越低越靠前。

## 筛选
flights-filters = 筛选
flights-filters-active = 已启用 { $count } 项筛选
flights-filters-apply = 应用筛选
flights-filters-clear = 清除筛选
flights-filter-departure = 起飞时间：{ $slice }
flights-filter-airline-hint = 勾选航空公司后，行程中的每段航班都将由所选公司承运。
flights-filter-any-price = 不限
flights-from-price = { $price } 起
flights-time-any = 不限
flights-time-morning = 上午（05:00–12:00）
flights-time-afternoon = 下午（12:00–18:00）
flights-time-evening = 晚上（18:00–22:00）
flights-time-night = 夜间（22:00–05:00）
flights-hours-any = 不限
flights-hours-max = { $hours } 小时以内

## 无结果
flights-none-title = 没有符合条件的航班
flights-none-body = 试试换个日期、允许更多中转，或减少筛选条件。
flights-suggest-date = 改为 { $date } 出发，{ $price } 起
flights-suggest-stops = 允许最多中转 2 次
flights-suggest-change = 允许同城换机场中转
flights-suggest-clear = 清除全部筛选

## 航班详情
flights-fare-options = { $count ->
    [1] 票价
   *[other] { $count } 种票价可选
}
flights-fare-count = { $count } 种票价
flights-details = 航班详情与退改规则
flights-total-duration = 全程 { $duration }
flights-aircraft = 机型：{ $aircraft }
flights-flight-time = 飞行 { $duration }
flights-operated-by = 由 { $carrier } 实际承运
flights-layover = 在 { $airport } 中转 { $duration }
flights-layover-change = 需换机场：到达 { $arrive }，从 { $depart } 出发，请预留转场时间。
flights-fare-title = 票价
flights-baggage = 行李（每位旅客）
flights-bag-checked = 含 { $pieces } 件 { $kg } 公斤托运行李
flights-bag-no-checked = 不含托运行李（可稍后加购）
flights-bag-carry-on = { $pieces } 件 { $kg } 公斤手提行李
flights-conditions = 改签与退票
flights-conditions-note = 费用按每位旅客计；改签另需补齐票价差额。
flights-refund-fee = 起飞前可退票，手续费 { $fee }
flights-refund-free = 起飞前可免费退票
flights-refund-no = 不可退票
flights-change-fee = 起飞前可改签，手续费 { $fee }
flights-change-free = 起飞前可免费改签
flights-change-no = 不可改签
flights-cutoff = 起飞前 { $hours } 小时停止办理退改
flights-cutoff-none = 起飞前均可办理退改
flights-no-show-forfeit = 未登机（误机）：票款不予退还
flights-no-show-taxes = 未登机（误机）：仅退还税费
flights-no-show-fee = 未登机（误机）：另收 { $fee }

## 探索
explore-title = 探索特价机票
explore-lead = 看看从您所在的地方出发，在合适的日期飞往哪里最便宜。
explore-origin = 出发地
explore-near-me = 使用我的位置
explore-locating = 正在获取您的位置…
explore-denied = 无法获取您的位置，请输入城市或机场。
explore-unsupported = 此浏览器无法提供位置，请输入城市或机场。
explore-submit = 开始探索
explore-hint = 仅显示直飞航班；默认按一位成人计价，预算为全部旅客的总价。
explore-heading-from = 从 { $place } 出发的特价机票
explore-heading-near = 从您附近机场出发的特价机票
explore-origins = 出发机场：
explore-distance = 距您 { $km } 公里
explore-none = 这些日期和预算内没有合适的目的地。试试放宽日期范围或提高预算。
explore-results-note = 按价格从低到高排列。选择目的地即可查看当天的全部航班。
explore-from-airport = 从 { $code } 出发
explore-none-nearby = 您附近 150 公里内没有有航班的机场。
explore-bad-position = 无法读取您的位置，请输入城市或机场。
