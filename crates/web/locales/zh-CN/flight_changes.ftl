## 航班时刻变更：管理员模拟航空公司延误、改时或取消航班。

reason-flight-number = 请填写不含航空公司代码的航班号，范围 1 到 9999。
reason-flight-change-kind = 请选择 delay（延误）、retime（改时）或 cancel（取消）。
reason-flight-delay-minutes = 延误时间须为 1 到 { $max } 分钟。

field-carrier = 航空公司
field-flight_number = 航班号
field-date = 日期
field-change = 变更类型
field-minutes = 延误分钟数
field-departs = 新的起飞时间
