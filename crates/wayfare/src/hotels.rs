//! Generates the built-in supplier's hotels into the store: the demo's on a first start or
//! `wayfare seed --demo`, and any number with `wayfare seed --hotels N` (a million for the
//! benchmarks), streamed in chunks so the whole set is never in memory at once.

use chrono::NaiveDate;
use wayfare_domain::hotel::HotelListing;
use wayfare_store::hotels::HotelReferenceData;
use wayfare_store::{Store, StoreError};
use wayfare_suppliers::builtin::hotels::{HotelGenerator, HotelInputs, HotelParams};

/// The generator's seed: the same count and date give the same hotels.
pub const HOTEL_SEED: u64 = 20_261_124;

/// Listings generated and written per step.
const CHUNK: usize = 10_000;

/// Replaces the stored hotels with `count` generated ones (see
/// [`wayfare_suppliers::builtin::hotels`]); promotions run from `today`. One transaction:
/// readers see the old hotels or the new, never a mix. Returns how many are stored.
pub async fn generate_hotels_into(
    store: &Store,
    count: u32,
    today: NaiveDate,
) -> Result<u64, StoreError> {
    let cities = store.cities().await?;
    let reference = HotelReferenceData::load()?;
    let inputs = HotelInputs::from_reference(&cities, &reference);
    let params = HotelParams {
        count,
        seed: HOTEL_SEED,
        today,
        currency: None,
    };
    // Generating and writing overlap: a blocking thread generates chunks while this task
    // serializes and writes the previous ones.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<HotelListing>>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let mut generator =
            HotelGenerator::new(&inputs.cities, &inputs.brands, &inputs.landmarks, &params);
        loop {
            let chunk: Vec<HotelListing> = generator.by_ref().take(CHUNK).collect();
            // A closed channel means the writer failed; stop generating.
            if chunk.is_empty() || tx.blocking_send(chunk).is_err() {
                break;
            }
        }
    });
    let mut replacement = store.begin_hotel_replacement().await?;
    while let Some(chunk) = rx.recv().await {
        replacement.write(&chunk).await?;
    }
    if let Err(e) = producer.await
        && e.is_panic()
    {
        std::panic::resume_unwind(e.into_panic());
    }
    replacement.commit().await
}
