# Wayfare — 简体中文：酒店搜索校验与酒店代码名称。
# 每个键都必须在 en/hotels.ftl 中存在（由测试检查）。

## 酒店搜索校验（wayfare_domain::hotel::search 使用的原因键）
reason-destination-kind = 请只填写一个目的地：城市、地点、机场或经纬度。
reason-unknown-city = 无法识别该城市，请输入城市名或从列表中选择。
reason-unknown-place = 找不到该地点，请尝试地标、区域或街道名称。
reason-latitude-range = 纬度须在 -90 到 90 之间。
reason-longitude-range = 经度须在 -180 到 180 之间。
reason-radius-range = 半径须大于 0 且不超过 { $max } 公里。
reason-radius-with-city = 半径仅适用于地点、机场或经纬度，不适用于城市。
reason-check-out-before-check-in = 离店日期须晚于入住日期。
reason-stay-too-long = 单次最多预订 { $max } 晚，更长的住宿请分段预订。
reason-stay-beyond-horizon = 暂不能预订这么远日期的客房。
reason-room-count = 请选择 1 到 { $max } 间客房。
reason-room-adults = 每间客房须有 1 到 { $max } 名成人。
reason-room-children = 每间客房最多 { $max } 名儿童。
reason-child-age = 请填写每名儿童入住时的年龄（0 到 { $max } 岁）。
reason-price-basis = 请选择 nightly（每晚）或 total（总价）。
reason-star-rating = 星级须在 1 到 5 之间。
reason-unknown-amenity = 无法识别该设施，请使用 wifi、pool 或 parking 等代码。
reason-unknown-theme = 无法识别该主题，请使用 family、business 或 resort 等代码。
reason-invalid-code = 代码只能包含字母、数字、_ 或 -，例如 marriott。
reason-review-score-range = 评分须在 0 到 10 之间。
reason-distance-range = 距离须大于 0 且不超过 { $max } 公里。
reason-unknown-hotel-sort = 排序方式可选 recommended、price、distance、review_score 或 stars。
reason-offset-range = 起始位置须在 0 到 { $max } 之间。
reason-bbox-inverted = 南边界须低于北边界。
reason-bbox-empty = 西边界与东边界不能相同。
reason-zoom-range = 缩放级别须在 0 到 { $max } 之间。

## 酒店设施
hotels-amenity-wifi = 免费无线网络
hotels-amenity-parking = 停车场
hotels-amenity-pool = 游泳池
hotels-amenity-gym = 健身房
hotels-amenity-spa = 水疗中心
hotels-amenity-restaurant = 餐厅
hotels-amenity-bar = 酒吧
hotels-amenity-airport_shuttle = 机场接送
hotels-amenity-breakfast = 提供早餐
hotels-amenity-pet_friendly = 可携带宠物
hotels-amenity-ev_charging = 电动汽车充电
hotels-amenity-family_rooms = 家庭房
hotels-amenity-accessible = 无障碍设施
hotels-amenity-business_centre = 商务中心
hotels-amenity-laundry = 洗衣服务
hotels-amenity-non_smoking = 禁烟
hotels-amenity-air_conditioning = 空调
hotels-amenity-kitchen = 厨房
hotels-amenity-front_desk_24h = 24 小时前台
hotels-amenity-luggage_storage = 行李寄存
hotels-amenity-meeting_rooms = 会议室
hotels-amenity-kids_club = 儿童俱乐部
hotels-amenity-hot_spring = 温泉
hotels-amenity-beach_access = 临近海滩
hotels-amenity-room_service = 客房送餐服务
hotels-amenity-elevator = 电梯

## 主题
hotels-theme-family = 亲子
hotels-theme-business = 商务
hotels-theme-resort = 度假
hotels-theme-boutique = 精品
hotels-theme-homestay = 民宿
hotels-theme-hostel = 青年旅舍
hotels-theme-spa = 水疗
hotels-theme-luxury = 豪华
hotels-theme-beach = 海滨
hotels-theme-ski = 滑雪
hotels-theme-romantic = 浪漫
hotels-theme-budget = 经济

## 床型
hotels-bed-single = { $count } 张单人床
hotels-bed-double = { $count } 张双人床
hotels-bed-queen = { $count } 张大床（1.5 米）
hotels-bed-king = { $count } 张特大床（1.8 米）
hotels-bed-bunk = { $count } 张上下铺
hotels-bed-sofa_bed = { $count } 张沙发床
hotels-bed-futon = { $count } 张榻榻米床垫

## 客房设施
hotels-facility-private_bathroom = 独立卫浴
hotels-facility-shared_bathroom = 公共卫浴
hotels-facility-bathtub = 浴缸
hotels-facility-balcony = 阳台
hotels-facility-sea_view = 海景
hotels-facility-city_view = 城景
hotels-facility-mountain_view = 山景
hotels-facility-window = 有窗
hotels-facility-kitchenette = 小厨房
hotels-facility-minibar = 迷你吧
hotels-facility-coffee_machine = 咖啡机
hotels-facility-desk = 书桌
hotels-facility-safe = 保险箱
hotels-facility-tv = 电视
hotels-facility-air_conditioning = 空调
hotels-facility-heating = 暖气
hotels-facility-soundproof = 隔音
hotels-facility-connecting_rooms = 连通房
hotels-facility-smoking_allowed = 可吸烟

## 价格计划
hotels-board-room_only = 不含早
hotels-board-breakfast = 含早餐
hotels-board-half_board = 含早晚餐
hotels-board-full_board = 含三餐
hotels-board-all_inclusive = 全包
hotels-payment-pay_now = 在线付
hotels-payment-pay_at_hotel = 到店付
hotels-member-rate = 会员价

## 取消政策
hotels-cancel-non-refundable = 不可取消
hotels-cancel-free-until = { $deadline } 前可免费取消
hotels-cancel-from = { $deadline } 起：
hotels-cancel-charge-amount = 每间 { $amount }
hotels-cancel-charge-nights = { $nights ->
    [1] 收取首晚房费
   *[other] 收取前 { $nights } 晚房费
}
hotels-cancel-charge-percent = 收取总价的 { $percent }%

## 促销
hotels-promo-percent_off = 立减 { $percent }%
hotels-promo-early_bird = 早订优惠：立减 { $percent }%
hotels-promo-last_minute = 尾房特惠：立减 { $percent }%
hotels-promo-stay_pay = 住 { $stay } 付 { $pay }
hotels-deal = 特惠
hotels-was-price = 原价 { $amount }

## 排序与价格口径
hotels-sort-recommended = 推荐排序
hotels-sort-price = 价格最低
hotels-sort-distance = 距离最近
hotels-sort-review_score = 评分最高
hotels-sort-stars = 星级最高
hotels-price-basis-nightly = 每晚价格
hotels-price-basis-total = 总价
reason-rooms-format = 请按“成人数:儿童年龄”填写房间，例如 2:5|1（两位成人带一名5岁儿童，另一间一位成人）。

## 酒店页面（搜索表单、结果、酒店详情、特惠）
hotels-nav = 酒店
hotels-tabs-label = 搜索类型
hotels-title = 酒店
hotels-lead = 按目的地和日期查找酒店、度假村、民宿和青旅，价格按每间客房和每位客人计算。
hotels-popular = 热门目的地
hotels-landing-heading = { $what }酒店
hotels-landing-lead = 请选择目的地和日期，或从下面的热门目的地开始。
hotels-themes-title = 适合各种旅行的住宿
hotels-theme-blurb-family = 家庭房、儿童俱乐部和泳池
hotels-theme-blurb-resort = 阳光沙滩，吃喝玩乐一站搞定
hotels-theme-blurb-business = 靠近商圈，配有办公桌和会议室
hotels-theme-blurb-luxury = 城中顶级酒店
hotels-theme-blurb-boutique = 别具特色的小型酒店
hotels-theme-blurb-homestay = 住进当地人家
hotels-theme-blurb-spa = 水疗、温泉，好好放松
hotels-theme-blurb-budget = 干净实惠的客房
hotels-chains-title = 酒店集团
hotels-chains-lead = 查看某集团在您所选目的地的全部酒店。

## 搜索表单
hotels-form-title = 搜索酒店
hotels-form-stay-title = 您的行程
hotels-form-submit = 搜索酒店
hotels-form-stay-submit = 查看房型和价格
hotels-form-dest-placeholder = 城市、地标或机场，如 上海、外滩、PVG
hotels-form-suggestions = 匹配的目的地
hotels-form-rooms-hint = 不需要的房间请保留“—”；每位同行儿童都请选择年龄。
hotels-form-children-hint = 儿童入住时的年龄决定可入住的房型和价格。
hotels-form-age-missing = 请为每位儿童选择年龄。
hotels-form-add-room = 添加房间
hotels-form-remove-room = 删除此房间
hotels-form-room-unused = —
hotels-form-age-none = —
hotels-form-age-infant = 不满 1 岁
hotels-form-age-years = { $age } 岁
hotels-room-n = 房间 { $n }
hotels-field-dest = 目的地
hotels-field-in = 入住日期
hotels-field-out = 离店日期
hotels-field-rooms = 房间和人数
hotels-field-adults = 成人
hotels-field-children = 儿童
hotels-field-ages = 儿童年龄
hotels-field-child-age = 儿童 { $n } 年龄
hotels-field-room-n = 房间 { $n } 的{ $field }
hotels-field-price = 每晚价格
hotels-field-stars = 星级
hotels-field-amenities = 酒店设施
hotels-field-themes = 主题
hotels-field-chains = 酒店集团
hotels-field-brands = 品牌
hotels-field-review = 住客评分
hotels-field-sort = 排序
hotels-field-page = 页码
hotels-field-nights = 入住晚数
hotels-reason-nights = 请选择 1 到 { $max } 晚。
hotels-place-city = 城市
hotels-place-landmark = 地标
hotels-place-airport = 机场

## 搜索结果
hotels-results-title = { $place }酒店
hotels-results-heading = 酒店
hotels-modify = 修改搜索
hotels-nights = { $count } 晚
hotels-party-rooms = { $count } 间客房
hotels-party-adults = { $count } 位成人
hotels-party-children = { $count } 名儿童
hotels-view-label = 显示方式
hotels-view-list = 列表
hotels-view-map = 地图
hotels-sort-label = 酒店排序
hotels-filters = 筛选
hotels-filters-active = 已启用 { $count } 项筛选
hotels-filters-apply = 应用筛选
hotels-filters-clear = 清除筛选
hotels-filter-stay = 预订条件
hotels-filter-free-cancellation = 免费取消
hotels-filter-breakfast = 含早餐
hotels-filter-pay-at-hotel = 到店付款
hotels-filter-deals = 仅看特惠
hotels-filter-min = 最低
hotels-filter-max = 最高
hotels-filter-any = 不限
hotels-filter-price-hint = 每间每晚价格，含税费。
hotels-filter-amenities-hint = 只显示具备所选全部设施的酒店。
hotels-review-any = 不限评分
hotels-review-min = { $score } 分以上
hotels-count = 共 { $count } 家酒店
hotels-count-some = 第 { $from }–{ $to } 家，共 { $total } 家酒店
hotels-currency-note = 价格为每间每晚含税价；筛选金额以 { $currency } 计。
hotels-partial = 部分结果未能及时加载（{ $suppliers }），列表可能不完整。
hotels-none-title = 没有符合条件的酒店
hotels-none-body = 请尝试其他日期，或减少筛选条件。
hotels-suggest-clear = 清除全部筛选
hotels-suggest-dates = 改为 { $date } 入住
hotels-pages = 分页
hotels-page-prev = 上一页
hotels-page-next = 下一页
hotels-deals-link = 今日酒店特惠

## 列表中的酒店
hotels-stars-label = { $count } 星级酒店
hotels-reviews = { $count } 条点评
hotels-reviews-none = 暂无点评
hotels-review-superb = 超棒
hotels-review-excellent = 很好
hotels-review-good = 不错
hotels-review-fair = 一般
hotels-distance-centre = 市中心
hotels-distance-from = 距{ $place } { $km } 公里
hotels-badge-free-cancellation = 免费取消
hotels-per-night = 每间每晚
hotels-price-total = { $nights }共 { $amount }，含税费
hotels-saving = 省 { $percent }%
hotels-rooms-left = 该价格仅剩 { $count } 间
hotels-see-rooms = 查看房型

## 地图
hotels-map-label = { $place }酒店地图
hotels-map-caption = 地图上共 { $count } 家酒店。价格为每间每晚；点选聚合点可放大查看。
hotels-map-cluster = { $count } 家酒店，{ $price } 起
hotels-map-list = 地图上的酒店，价格从低到高
hotels-map-list-some = 地图上 { $total } 家酒店中最便宜的 { $shown } 家
hotels-map-whole = 查看整个区域
hotels-map-zoom-in = 放大
hotels-map-zoom-out = 缩小
hotels-from-nightly = { $price } 起

## 酒店详情
hotels-back = ← 返回搜索结果
hotels-photos = 图片
hotels-photos-note = 图片为本酒店的示意插图，并非实景照片。
hotels-photo-exterior = { $hotel }：酒店外观
hotels-photo-room = { $hotel }：客房
hotels-photo-lobby = { $hotel }：大堂
hotels-photo-pool = { $hotel }：泳池
hotels-photo-view = { $hotel }：窗外景色
hotels-photo-bathroom = { $hotel }：浴室
hotels-rates-title = 房型和价格
hotels-change-stay = 修改日期或人数
hotels-rate-count = 共 { $count } 种预订方案
hotels-rate-currency-note = 价格以酒店收费币种 { $currency } 显示，旁边附 { $display } 估算价。
hotels-rates-note = 价格为整个行程所有房间的总价，含税费，保留 30 分钟。
hotels-rate-nightly = 每间每晚 { $amount } · { $nights }
hotels-rate-taxes = 含税费 { $amount }
hotels-rate-taxes-none = 已含税
hotels-rate-pay-now = 预订时在线付款
hotels-rate-pay-at-hotel = 到店付款，现在无需支付
hotels-cancellation = 取消政策
hotels-cancel-none-detail = 不可取消：取消或未入住均不退款。
hotels-cancel-free-then = { $deadline }（酒店当地时间）前可免费取消；之后收取{ $charge }。
hotels-cancel-then = { $deadline }（酒店当地时间）起：收取{ $charge }。
hotels-cancel-now = 现在取消需支付{ $charge }。
hotels-charge-nights = { $nights } 晚房费（{ $amount }）
hotels-charge-percent = 房费的 { $percent }%（{ $amount }）
hotels-charge-amount = { $amount }
hotels-charge-all = 全部房费（{ $amount }）
hotels-no-rooms-title = 所选日期已无空房
hotels-no-rooms-body = 客房已订满，或没有适合您同行人数的房型。请尝试其他日期。
hotels-try-date = 改为 { $date } 入住
hotels-room-size = { $m2 } 平方米
hotels-amenities-title = 酒店设施
hotels-amenities-none = 酒店未列出设施。
hotels-location-title = 位置
hotels-location-map = { $hotel }周边地图
hotels-location-caption = 本酒店及周边酒店，价格为每间每晚。
hotels-location-centre = 距{ $city }市中心 { $km } 公里
hotels-location-coordinates = { $lat }, { $lng }
hotels-policies-title = 入住须知
hotels-policy-check-in = { $time } 起可入住
hotels-policy-check-out = { $time } 前退房
hotels-policy-zone = 时间均为酒店当地时间（{ $zone }）。
hotels-policy-zone-utc = 时间均为协调世界时（UTC）。
hotels-more-title = 更多酒店
hotels-more-chain = { $city }的更多{ $chain }酒店
hotels-more-city = { $city }的全部酒店

## 特惠
hotels-deals-title = 酒店特惠
hotels-deals-lead = 热门目的地当前优惠力度最大的酒店（两位成人）。
hotels-deals-submit = 查看特惠
hotels-deals-none = 所选日期暂无特惠，请尝试其他日期。
hotels-deals-all = { $city }的全部特惠
hotels-map-osm-credit = © OpenStreetMap 贡献者
