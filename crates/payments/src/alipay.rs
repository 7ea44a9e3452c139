//! Alipay: trade page/wap pay, query, refund, close, RSA2-signed requests and notifications (being written).
