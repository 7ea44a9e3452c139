//! WeChat Pay API v3: Native and H5/JSAPI orders, query, close, refunds, signed requests and verified, decrypted notifications (being written).
