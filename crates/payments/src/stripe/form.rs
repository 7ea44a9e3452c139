//! Stripe's form encoding of request parameters (payments.md §1.1): nested maps as
//! `key[sub]=v`, lists always indexed (`expand[0]=latest_charge`), booleans as `true`/`false`,
//! absent values left out.

use url::form_urlencoded::byte_serialize;

/// One parameter value, as Stripe's SDKs model it before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Str(String),
    Int(i64),
    Bool(bool),
    /// A nested object: `name[key]=…` for each entry, in order.
    Map(Vec<(String, Param)>),
    /// A list: `name[0]=…`, `name[1]=…`.
    List(Vec<Param>),
    /// Left out of the body, like Stripe's SDKs do with `None`.
    Null,
}

/// The parameters of one request, in the order they are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form {
    params: Vec<(String, Param)>,
}

impl Form {
    pub(crate) fn new() -> Form {
        Form::default()
    }

    /// Adds a parameter of any kind.
    pub(crate) fn param(mut self, name: &str, value: Param) -> Form {
        self.params.push((name.to_owned(), value));
        self
    }

    pub(crate) fn str(self, name: &str, value: &str) -> Form {
        self.param(name, Param::Str(value.to_owned()))
    }

    /// A string parameter, left out when `None`.
    pub(crate) fn opt_str(self, name: &str, value: Option<&str>) -> Form {
        match value {
            Some(v) => self.str(name, v),
            None => self.param(name, Param::Null),
        }
    }

    pub(crate) fn int(self, name: &str, value: i64) -> Form {
        self.param(name, Param::Int(value))
    }

    pub(crate) fn bool(self, name: &str, value: bool) -> Form {
        self.param(name, Param::Bool(value))
    }

    /// `name[key]=value` for each entry.
    pub(crate) fn map(self, name: &str, entries: &[(&str, &str)]) -> Form {
        let entries = entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Param::Str((*v).to_owned())))
            .collect();
        self.param(name, Param::Map(entries))
    }

    /// `name[0]=…`, `name[1]=…`.
    pub(crate) fn list(self, name: &str, items: &[&str]) -> Form {
        let items = items.iter().map(|v| Param::Str((*v).to_owned())).collect();
        self.param(name, Param::List(items))
    }

    /// The flattened `(key, value)` pairs, keys with their brackets, nothing escaped yet.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, value) in &self.params {
            flatten(&[name.as_str()], value, &mut out);
        }
        out
    }

    /// The `application/x-www-form-urlencoded` body (or query string). Key parts and values
    /// are percent-encoded; the brackets between key parts are kept literal, as Stripe's Node
    /// SDK sends them.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.params {
            let mut pairs = Vec::new();
            flatten_path(&[name.as_str()], value, &mut pairs);
            for (path, value) in pairs {
                if !out.is_empty() {
                    out.push('&');
                }
                out.push_str(&encode_key(&path));
                out.push('=');
                out.extend(byte_serialize(value.as_bytes()));
            }
        }
        out
    }

    /// True when nothing would be sent.
    pub(crate) fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }
}

fn flatten(path: &[&str], value: &Param, out: &mut Vec<(String, String)>) {
    let mut pairs = Vec::new();
    flatten_path(path, value, &mut pairs);
    out.extend(pairs.into_iter().map(|(p, v)| (join_key(&p, false), v)));
}

/// Walks a value into `(key parts, scalar)` pairs.
fn flatten_path(path: &[&str], value: &Param, out: &mut Vec<(Vec<String>, String)>) {
    let owned = || path.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match value {
        Param::Null => {}
        Param::Str(s) => out.push((owned(), s.clone())),
        Param::Int(i) => out.push((owned(), i.to_string())),
        Param::Bool(b) => out.push((owned(), b.to_string())),
        Param::Map(entries) => {
            for (k, v) in entries {
                let mut p = path.to_vec();
                p.push(k);
                flatten_path(&p, v, out);
            }
        }
        Param::List(items) => {
            for (i, v) in items.iter().enumerate() {
                let index = i.to_string();
                let mut p = path.to_vec();
                p.push(&index);
                flatten_path(&p, v, out);
            }
        }
    }
}

fn join_key(parts: &[String], escape: bool) -> String {
    let part = |s: &str| {
        if escape {
            byte_serialize(s.as_bytes()).collect::<String>()
        } else {
            s.to_owned()
        }
    };
    let mut key = part(&parts[0]);
    for p in &parts[1..] {
        key.push('[');
        key.push_str(&part(p));
        key.push(']');
    }
    key
}

fn encode_key(parts: &[String]) -> String {
    join_key(parts, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_maps_and_lists_encode_as_stripe_does() {
        let form = Form::new()
            .int("amount", 12_345)
            .str("currency", "cny")
            .bool("confirm", true)
            .bool("off_session", false)
            .opt_str("customer", None)
            .map("metadata", &[("reference", "WF-1"), ("order id", "a&b=c")])
            .list("expand", &["latest_charge", "payment_method"]);
        assert_eq!(
            form.encode(),
            "amount=12345&currency=cny&confirm=true&off_session=false\
             &metadata[reference]=WF-1&metadata[order+id]=a%26b%3Dc\
             &expand[0]=latest_charge&expand[1]=payment_method"
        );
        assert_eq!(
            form.pairs(),
            vec![
                ("amount".to_owned(), "12345".to_owned()),
                ("currency".to_owned(), "cny".to_owned()),
                ("confirm".to_owned(), "true".to_owned()),
                ("off_session".to_owned(), "false".to_owned()),
                ("metadata[reference]".to_owned(), "WF-1".to_owned()),
                ("metadata[order id]".to_owned(), "a&b=c".to_owned()),
                ("expand[0]".to_owned(), "latest_charge".to_owned()),
                ("expand[1]".to_owned(), "payment_method".to_owned()),
            ]
        );
    }

    #[test]
    fn nested_values_get_one_bracket_per_level() {
        let form = Form::new().param(
            "items",
            Param::List(vec![
                Param::Map(vec![
                    ("price".into(), Param::Str("price_1".into())),
                    ("quantity".into(), Param::Int(2)),
                    ("note".into(), Param::Null),
                ]),
                Param::Map(vec![(
                    "tax_rates".into(),
                    Param::List(vec![Param::Str("txr_1".into())]),
                )]),
            ]),
        );
        assert_eq!(
            form.encode(),
            "items[0][price]=price_1&items[0][quantity]=2&items[1][tax_rates][0]=txr_1"
        );
    }

    #[test]
    fn values_are_percent_encoded_and_nulls_left_out() {
        let form = Form::new()
            .str("description", "Flight PEK→SHA 100%")
            .str("return_url", "https://wayfare.example/pay?x=1&y=2")
            .param("receipt_email", Param::Null)
            .param("metadata", Param::Map(Vec::new()));
        assert_eq!(
            form.encode(),
            "description=Flight+PEK%E2%86%92SHA+100%25\
             &return_url=https%3A%2F%2Fwayfare.example%2Fpay%3Fx%3D1%26y%3D2"
        );
        assert!(Form::new().param("a", Param::Null).is_empty());
        assert_eq!(Form::new().encode(), "");
    }

    #[test]
    fn brackets_inside_a_key_part_are_escaped() {
        let form = Form::new().map("metadata", &[("a[b]", "v")]);
        assert_eq!(form.encode(), "metadata[a%5Bb%5D]=v");
    }
}
