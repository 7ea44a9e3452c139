use std::sync::Arc;

use wayfare::seed;
use wayfare_domain::{Currency, ExchangeRate};
use wayfare_testkit::{is_postgres, run_cli, spawn_app};

const BIN: &str = env!("CARGO_BIN_EXE_wayfare");

#[tokio::test]
async fn migrations_and_demo_seed_are_idempotent_and_keep_admin_edits() {
    let app = spawn_app().await;
    let store = app.state.store().clone();
    store.migrate().await.unwrap();
    assert!(store.pending_migrations().await.unwrap().is_empty());
    let before = store.reference_counts().await.unwrap();
    assert!(
        before.airports > 7000 && before.airlines > 500 && before.cities > 5000,
        "{before:?}"
    );

    // An admin sets a rate; re-seeding must not undo it.
    let edited = ExchangeRate {
        base: Currency::USD,
        quote: Currency::CNY,
        rate: "7.3456".parse().unwrap(),
        source: "admin".into(),
        as_of: chrono::Utc::now(),
    };
    store
        .put_exchange_rates(std::slice::from_ref(&edited), true)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let r1 = seed::seed_demo(&store, 200, today, 30, 500).await.unwrap();
    let r2 = seed::seed_demo(&store, 200, today, 30, 500).await.unwrap();
    assert_eq!(r1, r2);
    assert_eq!(r1.reference, before);
    let rates = store.exchange_rates().await.unwrap();
    let cny = rates.iter().find(|r| r.quote == Currency::CNY).unwrap();
    assert_eq!(cny.rate, edited.rate);
    assert_eq!(cny.source, "admin");
    // Decimal rates come back exactly as stored.
    let jpy = rates.iter().find(|r| r.quote == Currency::JPY).unwrap();
    assert_eq!(jpy.rate.to_string(), "152.4");
    app.stop().await;
}

#[tokio::test]
async fn reference_rows_round_trip_with_chinese_names_and_time_zones() {
    let app = spawn_app().await;
    let airports = app.state.store().airports().await.unwrap();
    let pkx = airports.iter().find(|a| a.iata == "PKX").unwrap();
    assert_eq!(pkx.city_zh.as_deref(), Some("北京"));
    assert_eq!(pkx.tz, "Asia/Shanghai");
    assert!(
        (pkx.lat - 39.509).abs() < 0.01 && (pkx.lon - 116.41).abs() < 0.01,
        "PKX at {},{}",
        pkx.lat,
        pkx.lon
    );
    let lhr = airports.iter().find(|a| a.iata == "LHR").unwrap();
    assert_eq!(lhr.city_zh.as_deref(), Some("伦敦"));
    assert_eq!(lhr.tz, "Europe/London");
    let airlines = app.state.store().airlines().await.unwrap();
    let ca = airlines.iter().find(|a| a.iata == "CA").unwrap();
    assert_eq!(ca.alliance.as_deref(), Some("Star Alliance"));
    let cities = app.state.store().cities().await.unwrap();
    let shanghai = cities
        .iter()
        .find(|c| c.name_zh.as_deref() == Some("上海"))
        .unwrap();
    assert!(shanghai.population > 10_000_000);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_first_writers_agree_on_one_secret() {
    let app = spawn_app().await;
    let store = Arc::new(app.state.store().clone());
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move {
                s.setting_or_init("race_test", || format!("value-{i}"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let values: Vec<String> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(values.iter().all(|v| v == &values[0]), "{values:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_then_restore() {
    let app = spawn_app().await;
    let cwd = app.dir().to_owned();
    let db_url = app.db.url.clone();
    if is_postgres() {
        let schema = app.db.schema.clone().unwrap();
        let (code, _, err) = run_cli(
            BIN,
            &["backup", "--to", "x.dump"],
            &[
                ("WAYFARE_DATABASE_URL", db_url.as_str()),
                ("WAYFARE_DATABASE__SCHEMA", schema.as_str()),
            ],
            &cwd,
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("pg_dump"), "{err}");
        app.stop().await;
        return;
    }
    let store = app.state.store().clone();
    store.set_setting("before", "yes").await.unwrap();
    // Keep writing while the backup runs.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                store.set_setting("counter", &i.to_string()).await.unwrap();
            }
        })
    };
    let backup = cwd.join("backups/snapshot.db");
    let (code, out, err) = {
        let (backup, db_url, cwd) = (backup.clone(), db_url.clone(), cwd.clone());
        tokio::task::spawn_blocking(move || {
            run_cli(
                BIN,
                &["backup", "--to", backup.to_str().unwrap()],
                &[("DATABASE_URL", db_url.as_str())],
                &cwd,
            )
        })
        .await
        .unwrap()
    };
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("backup written"), "{out}");
    writer.await.unwrap();
    // The site keeps serving during and after the backup.
    assert_eq!(app.get("/api/v1/airports?q=PVG").await.status(), 200);

    store.set_setting("marker", "after-backup").await.unwrap();
    let _dir = app.stop().await;

    let (code, out, err) = run_cli(
        BIN,
        &["restore", "--from", backup.to_str().unwrap()],
        &[("DATABASE_URL", db_url.as_str())],
        &cwd,
    );
    assert_eq!(code, 0, "{out}{err}");
    let restored = wayfare_store::Store::connect(&db_url, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        restored.setting("marker").await.unwrap(),
        None,
        "restore brought back the earlier state"
    );
    assert_eq!(
        restored.setting("before").await.unwrap().as_deref(),
        Some("yes"),
        "backup holds earlier writes"
    );
    assert!(restored.reference_counts().await.unwrap().airports > 7000);

    // A file that is not a Wayfare database is refused, and nothing is damaged.
    std::fs::write(cwd.join("junk.db"), b"this is not sqlite").unwrap();
    let (code, _, err) = run_cli(
        BIN,
        &["restore", "--from", "junk.db"],
        &[("DATABASE_URL", db_url.as_str())],
        &cwd,
    );
    assert_ne!(code, 0);
    assert!(err.contains("junk.db"), "{err}");
    assert!(restored.reference_counts().await.unwrap().airports > 7000);
    let (code, _, err) = run_cli(
        BIN,
        &["restore", "--from", "missing.db"],
        &[("DATABASE_URL", db_url.as_str())],
        &cwd,
    );
    assert_ne!(code, 0);
    assert!(err.contains("missing.db"), "{err}");
}
