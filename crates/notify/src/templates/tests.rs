use super::*;

const CHANNELS: [Channel; 2] = [Channel::Email, Channel::Sms];

fn email(subject: &str, body: &str) -> TemplateSource {
    TemplateSource {
        subject: Some(subject.to_owned()),
        body: body.to_owned(),
    }
}

fn sms(body: &str) -> TemplateSource {
    TemplateSource {
        subject: None,
        body: body.to_owned(),
    }
}

fn problems(event: &str, channel: Channel, source: &TemplateSource) -> Vec<TemplateProblem> {
    validate(event, channel, source).expect_err("the template should be refused")
}

#[test]
fn every_event_has_its_defaults_and_nothing_else_is_shipped() {
    let shipped: Vec<&str> = defaults::SHIPPED.iter().map(|(name, _)| *name).collect();
    let names: Vec<&str> = events().iter().map(|e| e.name).collect();
    assert_eq!(shipped, names);
    for e in events() {
        for language in defaults::LANGUAGES {
            let mail = default_template(e.name, Channel::Email, language).expect("e-mail");
            assert!(
                mail.subject.as_deref().is_some_and(|s| !s.is_empty()),
                "{} {language}",
                e.name
            );
            assert!(!mail.body.contains("Subject:"), "{} {language}", e.name);
            assert!(!mail.body.starts_with('\n') && !mail.body.ends_with('\n'));
            let text = default_template(e.name, Channel::Sms, language).expect("SMS");
            assert_eq!(text.subject, None);
            let signature = if language == "zh-CN" {
                "【{{ brand }}】"
            } else {
                "[{{ brand }}] "
            };
            assert!(text.body.starts_with(signature), "{} {language}", e.name);
            assert!(!text.body.contains('\n'), "{} {language}", e.name);
        }
    }
    assert_eq!(
        default_template("no_such_event", Channel::Email, "en"),
        None
    );
}

#[test]
fn every_default_validates_and_renders_in_both_languages() {
    for e in events() {
        for channel in CHANNELS {
            for language in defaults::LANGUAGES {
                let source = default_template(e.name, channel, language).expect("shipped");
                assert_eq!(
                    validate(e.name, channel, &source),
                    Ok(()),
                    "{} {channel:?} {language}",
                    e.name
                );
                for sample_language in ["en", "zh-CN"] {
                    let vars = sample_vars(e.name, sample_language);
                    let out = render(e.name, channel, &source, &vars)
                        .unwrap_or_else(|err| panic!("{} {channel:?} {language}: {err}", e.name));
                    assert!(!out.text.is_empty());
                    assert!(!out.text.contains("{{") && !out.text.contains("{%"));
                    assert_eq!(out.subject.is_some(), channel == Channel::Email);
                    if let Some(s) = &out.subject {
                        assert!(!s.contains('\n') && !s.is_empty());
                    }
                    if channel == Channel::Sms {
                        let parts = segments::segments(&out.text);
                        assert!(parts <= MAX_SMS_SEGMENTS, "{}: {parts}", out.text);
                        // Nothing was cut from the defaults.
                        assert!(!out.text.ends_with("...") && !out.text.ends_with('…'));
                    }
                }
            }
        }
    }
}

#[test]
fn defaults_use_only_their_events_variables() {
    for e in events() {
        for channel in CHANNELS {
            for language in defaults::LANGUAGES {
                let source = default_template(e.name, channel, language).expect("shipped");
                let env = environment();
                for text in source.subject.iter().chain([&source.body]) {
                    let t = env.template_from_str(text).expect("parses");
                    for name in t.undeclared_variables(false) {
                        assert!(
                            e.variables_for(channel).any(|v| v.name == name),
                            "{} {channel:?} {language}: {name}",
                            e.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_confirmation_reads_well() {
    let source = default_template("booking_confirmed", Channel::Email, "en").expect("shipped");
    let out = render(
        "booking_confirmed",
        Channel::Email,
        &source,
        &sample_vars("booking_confirmed", "en"),
    )
    .expect("renders");
    assert_eq!(out.subject.as_deref(), Some("Booking confirmed: WF7Q2K9P"));
    assert_eq!(
        out.text,
        "Your booking WF7Q2K9P is confirmed. Total paid: 4286.00 CNY.\n\
         \n\
         - PEK → JFK, JFK → PEK (X7KQ2M)\n\
         - The Langham, New York (LH88123)\n\
         \n\
         See your booking:\n\
         https://wayfare.example/bookings/0190a6f2\n\
         \n\
         Questions? Write to us at support@wayfare.example.\n\
         \n\
         Have a good trip!\n\
         The Wayfare team"
    );
    let source = default_template("booking_confirmed", Channel::Sms, "zh-CN").expect("shipped");
    let out = render(
        "booking_confirmed",
        Channel::Sms,
        &source,
        &sample_vars("booking_confirmed", "zh-CN"),
    )
    .expect("renders");
    assert_eq!(
        out.text,
        "【Wayfare】订单 WF7Q2K9P 已确认（实付 4286.00 CNY）：PEK → JFK, JFK → PEK (X7KQ2M)。详情：https://wayfare.example/bookings/0190a6f2"
    );
}

#[test]
fn flight_changes_read_well_both_ways() {
    let source = default_template("flight_changed", Channel::Email, "en").expect("shipped");
    let mut vars = sample_vars("flight_changed", "en");
    let retimed = render("flight_changed", Channel::Email, &source, &vars).expect("renders");
    assert_eq!(
        retimed.subject.as_deref(),
        Some("New departure time for your flight CA981 PEK → JFK")
    );
    assert!(
        retimed
            .text
            .contains("Old departure: 12 Jun 2025 13:00\nNew departure: 12 Jun 2025 15:30\n\n")
    );
    assert!(
        retimed
            .text
            .contains("options.\nhttps://wayfare.example/bookings/0190a6f2\n\n")
    );
    vars["cancelled"] = Json::Bool(true);
    vars["new_departure"] = Json::from("");
    let cancelled = render("flight_changed", Channel::Email, &source, &vars).expect("renders");
    assert_eq!(
        cancelled.subject.as_deref(),
        Some("Your flight CA981 PEK → JFK is cancelled")
    );
    assert!(!cancelled.text.contains("New departure"));
    assert!(cancelled.text.contains("refund.\nhttps://"));
}

#[test]
fn an_unknown_variable_is_named_with_its_line() {
    let p = problems(
        "booking_confirmed",
        Channel::Email,
        &email(
            "Hi {{ reference }}",
            "Hello\n{{ traveller_name }}\n{{ reference }}",
        ),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field, "body");
    assert_eq!(p[0].kind, ProblemKind::UnknownVariable);
    assert_eq!(p[0].detail, "traveller_name");
    assert_eq!(p[0].line, Some(2));
    // In the subject too; a loop's own names are fine.
    let p = problems(
        "booking_confirmed",
        Channel::Email,
        &email(
            "{{ issuer }}: {{ reference }}",
            "{% for i in items %}{{ loop.index }} {{ i }}{% endfor %}",
        ),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        (p[0].field, p[0].kind, p[0].detail.as_str(), p[0].line),
        ("subject", ProblemKind::UnknownVariable, "issuer", Some(1))
    );
}

#[test]
fn a_variable_of_the_other_channel_is_unknown() {
    let p = problems(
        "password_reset",
        Channel::Email,
        &email("Reset", "Your code is {{ code }}"),
    );
    assert_eq!(p[0].kind, ProblemKind::UnknownVariable);
    assert_eq!(p[0].detail, "code");
    let p = problems("password_reset", Channel::Sms, &sms("Open {{ link }}"));
    assert_eq!(p[0].kind, ProblemKind::UnknownVariable);
    assert_eq!(p[0].detail, "link");
}

#[test]
fn a_syntax_error_has_its_line() {
    let p = problems(
        "trip_reminder",
        Channel::Email,
        &email(
            "Trip {{ reference }}",
            "Hello\n\n{% for item in items %}\n{{ item }\n{% endfor %}",
        ),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].kind, ProblemKind::Syntax);
    assert_eq!(p[0].field, "body");
    assert_eq!(p[0].line, Some(4));
    let p = problems(
        "trip_reminder",
        Channel::Sms,
        &sms("{% if reference %}no end"),
    );
    assert_eq!(p[0].kind, ProblemKind::Syntax);
    assert!(p[0].line.is_some());
}

#[test]
fn a_failing_rendering_is_refused() {
    let p = problems(
        "booking_confirmed",
        Channel::Sms,
        &sms("[{{ brand }}]\n{{ items[5].x }}"),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].kind, ProblemKind::RenderFailed);
    assert_eq!(p[0].line, Some(2));
    assert!(p[0].detail.contains("the en sample"), "{}", p[0].detail);
    // An attribute a string does not have.
    let p = problems(
        "login_code",
        Channel::Sms,
        &sms("{{ brand.name }} {{ code }}"),
    );
    assert_eq!(p[0].kind, ProblemKind::RenderFailed);
    // A branch only a reversed flag reaches.
    let p = problems(
        "flight_changed",
        Channel::Sms,
        &sms("{{ flight }}{% if cancelled %}{{ flight.number }}{% endif %}"),
    );
    assert_eq!(p[0].kind, ProblemKind::RenderFailed);
    assert!(p[0].detail.contains("flags reversed"), "{}", p[0].detail);
}

#[test]
fn an_email_needs_a_subject_and_a_body() {
    let none = TemplateSource {
        subject: None,
        body: "Code {{ code }}".to_owned(),
    };
    let p = problems("login_code", Channel::Email, &none);
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].field, p[0].kind),
        ("subject", ProblemKind::MissingSubject)
    );
    let p = problems(
        "login_code",
        Channel::Email,
        &email("  ", "Code {{ code }}"),
    );
    assert_eq!(p[0].kind, ProblemKind::MissingSubject);
    let p = problems("login_code", Channel::Email, &email("Code", " \n "));
    assert_eq!((p[0].field, p[0].kind), ("body", ProblemKind::Empty));
    let p = problems(
        "login_code",
        Channel::Email,
        &email("{% if false %}x{% endif %}", "{{ code }}"),
    );
    assert_eq!((p[0].field, p[0].kind), ("subject", ProblemKind::Empty));
    let err = render(
        "login_code",
        Channel::Email,
        &none,
        &sample_vars("login_code", "en"),
    )
    .expect_err("no subject");
    assert!(matches!(
        err,
        TemplateError::Template(TemplateProblem {
            kind: ProblemKind::MissingSubject,
            ..
        })
    ));
    // An SMS needs none, and one given is ignored.
    assert_eq!(
        validate(
            "login_code",
            Channel::Sms,
            &email("{{ nope }}", "{{ code }}")
        ),
        Ok(())
    );
}

const LONG_SMS: &str = "[{{ brand }}] Booking {{ reference }} is confirmed. Please arrive at the airport at least three hours before departure, bring your passport and the card you paid with, and check the baggage allowance in your booking. Remember that liquids in your hand luggage must be in containers of at most one hundred millilitres, all in one clear plastic bag. Seats can be chosen online until a day before departure; meals and extra baggage too. Hotel check-in is from three in the afternoon and check-out before noon. If your plans change, you can change or cancel most bookings online, and our team answers every day of the year. Details: {{ link }}";

#[test]
fn a_long_sms_is_refused_and_shortened_at_a_word_keeping_its_link() {
    let source = sms(LONG_SMS);
    let p = problems("booking_confirmed", Channel::Sms, &source);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].kind, ProblemKind::TooLong);
    assert!(p[0].detail.contains("SMS parts"), "{}", p[0].detail);

    let vars = sample_vars("booking_confirmed", "en");
    let out = render("booking_confirmed", Channel::Sms, &source, &vars).expect("renders");
    let link = " https://wayfare.example/bookings/0190a6f2";
    assert!(out.text.ends_with(link), "{}", out.text);
    assert!(segments::segments(&out.text) <= MAX_SMS_SEGMENTS);
    assert!(segments::segments(&out.text) >= MAX_SMS_SEGMENTS - 1);
    let head = out.text.trim_end_matches(link);
    assert!(head.ends_with("..."), "{head}");
    let kept = head.trim_end_matches("...");
    let full = LONG_SMS
        .replace("{{ brand }}", "Wayfare")
        .replace("{{ reference }}", "WF7Q2K9P");
    assert!(full.starts_with(kept), "{kept}");
    // Cut before a space (punctuation before it dropped): the last word is whole.
    let rest = full[kept.len()..].trim_start_matches([',', '.', ';']);
    assert!(rest.starts_with(' '), "{kept}");

    // Without a trailing link, plainly shortened.
    let no_link = sms(&LONG_SMS.replace(" Details: {{ link }}", " Have a good trip."));
    let out = render("booking_confirmed", Channel::Sms, &no_link, &vars).expect("renders");
    assert!(out.text.ends_with("..."), "{}", out.text);
    assert_eq!(segments::segments(&out.text), MAX_SMS_SEGMENTS);
}

#[test]
fn a_long_chinese_sms_keeps_its_link() {
    let text = format!(
        "【Wayfare】{}详情：https://wayfare.example/bookings/0190a6f2",
        "您的航班CA981将于明天13:00从北京首都国际机场3号航站楼起飞，请您至少提前三个小时到达机场柜台办理值机手续；".repeat(4)
    );
    let out = fit_sms(&text, 2);
    assert!(
        out.ends_with("… https://wayfare.example/bookings/0190a6f2"),
        "{out}"
    );
    assert!(segments::segments(&out) <= 2);
    let short = fit_sms("【Wayfare】短信 https://wayfare.example/x", 1);
    assert_eq!(short, "【Wayfare】短信 https://wayfare.example/x");
}

#[test]
fn runaway_and_unsupported_templates_are_refused() {
    let nested = sms(
        "{% for a in link %}{% for b in link %}{% for c in link %}{% for d in link %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
    );
    let p = problems("booking_confirmed", Channel::Sms, &nested);
    assert_eq!(p[0].kind, ProblemKind::TooLong, "{p:?}");
    let err = render(
        "booking_confirmed",
        Channel::Sms,
        &nested,
        &sample_vars("booking_confirmed", "en"),
    )
    .expect_err("too much work");
    assert!(matches!(
        err,
        TemplateError::Template(TemplateProblem {
            kind: ProblemKind::TooLong,
            ..
        })
    ));
    let p = problems(
        "booking_confirmed",
        Channel::Sms,
        &sms("{{ reference }}\n{% set x = reference %}{{ range(3) }}"),
    );
    let kinds: Vec<_> = p.iter().map(|p| (p.kind, p.line)).collect();
    assert_eq!(
        kinds,
        [
            (ProblemKind::Unsupported, Some(2)),
            (ProblemKind::Unsupported, Some(2)),
            (ProblemKind::UnknownVariable, Some(2)),
        ],
        "{p:?}"
    );
    let long = email("s", &"x".repeat(MAX_BODY_CHARS + 1));
    let p = problems("login_code", Channel::Email, &long);
    assert_eq!((p[0].field, p[0].kind), ("body", ProblemKind::TooLong));
}

#[test]
fn rendering_is_plain_strict_and_tidy() {
    let vars = serde_json::json!({
        "brand": "<b>Way & fare</b>",
        "support_email": "s@x.example",
        "code": "123456",
        "minutes": 10,
    });
    let out = render(
        "login_code",
        Channel::Email,
        &email(
            "Code\n{{ code }}   for {{ brand }}\n",
            "\n\nHi {{ brand }}   \n\n\n\n{{ code }}\t\n\n\n",
        ),
        &vars,
    )
    .expect("renders");
    assert_eq!(
        out.subject.as_deref(),
        Some("Code 123456 for <b>Way & fare</b>")
    );
    assert_eq!(out.text, "Hi <b>Way & fare</b>\n\n123456");
    // A variable the caller did not give is an error, not an empty string.
    let err = render(
        "login_code",
        Channel::Sms,
        &sms("{{ code }} {{ minutes }}"),
        &serde_json::json!({"code": "1"}),
    )
    .expect_err("minutes is missing");
    assert!(matches!(
        err,
        TemplateError::Template(TemplateProblem {
            kind: ProblemKind::RenderFailed,
            ..
        })
    ));
    assert_eq!(
        render(
            "login_code",
            Channel::Sms,
            &sms("x"),
            &serde_json::json!([])
        ),
        Err(TemplateError::VariablesNotAnObject)
    );
    assert_eq!(
        render("nope", Channel::Sms, &sms("x"), &vars),
        Err(TemplateError::UnknownEvent("nope".to_owned()))
    );
    assert_eq!(
        validate("nope", Channel::Sms, &sms("x")).expect_err("unknown")[0].kind,
        ProblemKind::UnknownEvent
    );
}

#[test]
fn samples_have_their_types() {
    let v = sample_vars("flight_changed_agent", "zh-Hans-CN");
    assert_eq!(v["cancelled"], Json::Bool(false));
    assert_eq!(v["traveller"], "李伟");
    assert_eq!(v["brand"], "Wayfare");
    let v = sample_vars("booking_confirmed", "en");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    let v = sample_vars("password_reset", "en");
    assert_eq!(v["minutes"], Json::from(30));
    assert!(v.get("link").is_some() && v.get("code").is_some());
    assert_eq!(sample_vars("nope", "en"), serde_json::json!({}));
}

#[test]
fn languages_match_their_templates() {
    for tag in [
        "zh",
        "zh-CN",
        "zh-cn",
        "zh_CN",
        "zh-Hans",
        "zh-Hans-CN",
        "ZH-HANS-SG",
    ] {
        assert_eq!(template_language(tag), "zh-CN", "{tag}");
    }
    for tag in ["fr", "en", "en-GB", "", "zh-TW", "zh-Hant", "zhx", "de-CH"] {
        assert_eq!(template_language(tag), "en", "{tag}");
    }
    let zh = default_template("login_code", Channel::Sms, "zh-Hans-CN").expect("shipped");
    assert!(zh.body.starts_with("【"));
    let fr = default_template("login_code", Channel::Sms, "fr").expect("shipped");
    assert!(fr.body.starts_with("[{{ brand }}]"));
}

#[test]
fn the_email_html_of_a_default_message() {
    let brand = Brand {
        name: "Wayfare \"<script>\"".to_owned(),
        primary_color: "#123456".to_owned(),
        accent_color: "#ffcc00".to_owned(),
        support_email: "support@wayfare.example".to_owned(),
        public_url: "https://wayfare.example".to_owned(),
    };
    let source = default_template("password_reset", Channel::Email, "zh-CN").expect("shipped");
    let out = render(
        "password_reset",
        Channel::Email,
        &source,
        &sample_vars("password_reset", "zh-CN"),
    )
    .expect("renders");
    let html = email_html(
        &brand,
        "zh-CN",
        out.subject.as_deref().unwrap_or_default(),
        &out.text,
    );
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("<title>重置您的 Wayfare 密码</title>"));
    assert!(html.contains("我们收到了重置您 Wayfare 账户密码的申请。"));
    assert!(html.contains(">打开链接</a>"), "{html}");
    assert!(html.contains("href=\"https://wayfare.example/password/reset/q8Zt3LmW5vXc\""));
    assert!(html.contains("Wayfare &quot;&lt;script&gt;&quot;"));
    assert!(!html.contains("<script"));
    // Dark text on the light accent.
    assert!(html.contains("color:#1f2328;text-decoration:none"));
}

#[test]
fn deeply_chained_expressions_are_refused_before_they_are_compiled() {
    // Chains are parsed into trees as deep as they are long, which every pass over the tree
    // (MiniJinja's compiler included) walks recursively: a long one would overflow the stack.
    for chain in ["|trim", "|d", ".a", "[0]", " ~ x", " + 1"] {
        let body = format!(
            "{{{{ code{} }}}}",
            chain.repeat((MAX_BODY_CHARS - 16) / chain.len())
        );
        let p = problems("login_code", Channel::Sms, &sms(&body));
        assert_eq!(
            (p[0].kind, p[0].line),
            (ProblemKind::TooLong, Some(1)),
            "{chain}"
        );
        let err = render(
            "login_code",
            Channel::Sms,
            &sms(&body),
            &sample_vars("login_code", "en"),
        )
        .expect_err("refused");
        assert!(matches!(
            err,
            TemplateError::Template(TemplateProblem {
                kind: ProblemKind::TooLong,
                ..
            })
        ));
    }
    // Blocks nest only as deep as MiniJinja's parser allows.
    for depth in [140, 400] {
        let nested = format!(
            "{}{{{{ code }}}}{}",
            "{% if code %}".repeat(depth),
            "{% endif %}".repeat(depth)
        );
        let _ = validate("login_code", Channel::Sms, &sms(&nested));
    }
    let fine = format!("{{{{ code{} }}}}", "|trim".repeat(45));
    assert_eq!(validate("login_code", Channel::Sms, &sms(&fine)), Ok(()));
}

#[test]
fn problem_codes_are_their_serialized_names() {
    for kind in [
        ProblemKind::Syntax,
        ProblemKind::UnknownVariable,
        ProblemKind::RenderFailed,
        ProblemKind::Empty,
        ProblemKind::MissingSubject,
        ProblemKind::TooLong,
        ProblemKind::Unsupported,
        ProblemKind::UnknownEvent,
    ] {
        assert_eq!(
            serde_json::to_value(kind).ok(),
            Some(Json::from(kind.as_str()))
        );
    }
}
