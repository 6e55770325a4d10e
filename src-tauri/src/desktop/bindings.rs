//! The IPC DTOs as TypeScript: `ui/src/lib/gen/ipc.ts` is written by the test below from the
//! Rust types (ts-rs), so the window can never drift from the engine. `make test` fails when the
//! committed file differs from what the types produce.

#[cfg(test)]
mod tests {
    use super::super::launch_failure::LaunchFailure;
    use super::super::updates::UpdateOffer;
    use crate::engine::about::About;
    use crate::engine::chain::ChainStatus;
    use crate::engine::checkout::model::{
        AssetAmount, AssetRef, CheckoutSession, Fiat, NetworkRef, PaymentView,
    };
    use crate::engine::checkout::settle::Status;
    use crate::engine::checkout::view::{ExtraFunds, SaleSummary, SaleView};
    use crate::engine::keys::ApiKey;
    use crate::engine::ledger::history::{
        DeliveryLine, ExplorerLink, SessionDetail, TimelineEntry,
    };
    use crate::engine::ledger::totals::{AssetTotal, DayTotals, Totals};
    use crate::engine::ledger::{LedgerPage, SessionFilter};
    use crate::engine::setup::presets::NetworkPreset;
    use crate::engine::setup::settings::{AssetSettings, NetworkSettings, Settings};
    use crate::engine::setup::{
        NewPhrase, RpcCheck, SetupNetwork, SetupRequest, SetupState, WordAnswer,
    };
    use crate::engine::simulate::SimulatedAmount;
    use crate::engine::till::{AppInfo, AssetInfo, NetworkInfo};
    use crate::engine::wallet::keychain::KeychainStatus;
    use crate::engine::wallet::{IndexedAddress, WalletInfo};
    use crate::engine::webhooks::{Attempt, Endpoint, NewSecret};
    use ts_rs::TS;

    fn declare<T: TS>() -> String {
        let docs = T::docs().unwrap_or_default();
        format!("{docs}export {}\n", T::decl())
    }

    #[test]
    fn ipc_types_are_written_from_the_rust_types() {
        let decls = [
            declare::<Status>(),
            declare::<About>(),
            declare::<LaunchFailure>(),
            declare::<UpdateOffer>(),
            declare::<AssetAmount>(),
            declare::<AssetRef>(),
            declare::<Fiat>(),
            declare::<NetworkRef>(),
            declare::<PaymentView>(),
            declare::<CheckoutSession>(),
            declare::<ExtraFunds>(),
            declare::<SaleView>(),
            declare::<SaleSummary>(),
            declare::<AssetInfo>(),
            declare::<NetworkInfo>(),
            declare::<AppInfo>(),
            declare::<KeychainStatus>(),
            declare::<IndexedAddress>(),
            declare::<WalletInfo>(),
            declare::<ChainStatus>(),
            declare::<SetupState>(),
            declare::<NetworkPreset>(),
            declare::<NewPhrase>(),
            declare::<WordAnswer>(),
            declare::<RpcCheck>(),
            declare::<SetupNetwork>(),
            declare::<SetupRequest>(),
            declare::<AssetSettings>(),
            declare::<NetworkSettings>(),
            declare::<Settings>(),
            declare::<super::super::commands::IpcError>(),
            declare::<SessionFilter>(),
            declare::<LedgerPage>(),
            declare::<AssetTotal>(),
            declare::<DayTotals>(),
            declare::<Totals>(),
            declare::<DeliveryLine>(),
            declare::<TimelineEntry>(),
            declare::<ExplorerLink>(),
            declare::<SessionDetail>(),
            declare::<SimulatedAmount>(),
            declare::<Endpoint>(),
            declare::<NewSecret>(),
            declare::<Attempt>(),
            declare::<ApiKey>(),
            declare::<super::super::dashboard::CreatedKey>(),
        ];
        let text = format!(
            "// Generated from the Rust IPC types by `cargo test` (src-tauri/src/desktop/bindings.rs).\n\
             // Never edit: change the Rust type and run the tests.\n\n{}",
            decls.join("\n")
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/gen/ipc.ts");
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            std::fs::write(&path, &text).expect("write ui/src/lib/gen/ipc.ts");
        }
    }
}
