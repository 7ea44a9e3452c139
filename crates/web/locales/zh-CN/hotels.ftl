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
