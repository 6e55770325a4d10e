// Generated from the Rust IPC types by `cargo test` (src-tauri/src/desktop/bindings.rs).
// Never edit: change the Rust type and run the tests.

/**
 * A session's status (SPEC §4).
 */
export type Status = "pending" | "detected" | "underpaid" | "paid" | "overpaid" | "paid_late" | "expired" | "canceled";

/**
 * What the About panel shows.
 */
export type About = { 
/**
 * The app's version (the package's, and what `chaintill --version` prints).
 */
version: string, 
/**
 * The version of the database schema this build writes.
 */
databaseVersion: number, 
/**
 * The data folder (configuration and database).
 */
dataDir: string, 
/**
 * The folder `chaintill.log` is written to.
 */
logDir: string, };

/**
 * What the launch-failure window shows.
 */
export type LaunchFailure = { 
/**
 * What is wrong, in one line.
 */
title: string, 
/**
 * The engine's own message (the config file and line, the other engine, the keychain's answer).
 */
detail: string, 
/**
 * What the owner does about it.
 */
remedy: string, 
/**
 * The folder holding `chaintill.log`.
 */
logDir: string, };

/**
 * A release newer than this one, as the owner sees it before installing.
 */
export type UpdateOffer = { 
/**
 * The release's version.
 */
version: string, 
/**
 * The version running now.
 */
currentVersion: string, 
/**
 * The release notes ("" when the feed has none).
 */
notes: string, 
/**
 * When it was published (RFC 3339), if the feed says.
 */
date: string | null, };

/**
 * `{atomic, value}` (+ `wei`/`eth` for native-asset amounts).
 */
export type AssetAmount = { 
/**
 * Atomic units, decimal string.
 */
atomic: string, 
/**
 * Whole units, decimal string.
 */
value: string, 
/**
 * Same as `atomic`, native-asset sessions only.
 */
wei?: string, 
/**
 * Same as `value`, native-asset sessions only.
 */
eth?: string, };

/**
 * `asset` of a session.
 */
export type AssetRef = { symbol: string, decimals: number, 
/**
 * The token contract, `null` for the native coin.
 */
contract: string | null, };

/**
 * `fiat` of a session.
 */
export type Fiat = { amount: string, currency: string, };

/**
 * `network` of a session.
 */
export type NetworkRef = { id: string, chainId: number, name: string, };

/**
 * One entry of `payments[]`.
 */
export type PaymentView = { txHash: string, logIndex: number | null, from: string, blockNumber: number | null, blockHash: string | null, 
/**
 * The asset paid (may differ from the session's: then `extra`).
 */
asset: AssetRef, 
/**
 * In the payment's own asset.
 */
amount: AssetAmount, 
/**
 * Does not count towards the amount (another asset, beyond a completed amount, after the
 * session was final): kept for the owner to refund or keep.
 */
extra: boolean, confirmations: number, seenAt: string, blockTimestamp: string | null, };

/**
 * The checkout session object of SPEC §4.
 */
export type CheckoutSession = { id: string, object: "checkout_session", status: Status, livemode: boolean, checkoutUrl: string, network: NetworkRef, asset: AssetRef, address: string, amount: AssetAmount, amountReceived: AssetAmount, 
/**
 * What is still needed to count as paid: amount minus counted payments, never below 0.
 */
amountDue: AssetAmount, fiat: Fiat, rate: string, 
/**
 * EIP-681 request for `amountDue` (what every QR encodes).
 */
paymentUri: string, confirmations: number, requiredConfirmations: number, payments: Array<PaymentView>, metadata: Record<string, string>, successUrl: string | null, expiresAt: string, createdAt: string, paidAt: string | null, };

/**
 * Funds that do not count towards the amount, summed per asset.
 */
export type ExtraFunds = { 
/**
 * The asset they came in.
 */
asset: AssetRef, 
/**
 * Their total, in that asset.
 */
amount: AssetAmount, };

/**
 * A session as the cashier screen and the customer display show it.
 */
export type SaleView = { 
/**
 * The session (SPEC §4).
 */
session: CheckoutSession, 
/**
 * SVG QR code of `session.paymentUri` (which asks for `amountDue`).
 */
qrSvg: string, 
/**
 * The session can still change on its own (pending, detected, underpaid).
 */
open: boolean, 
/**
 * The sale counts as paid (paid, overpaid, paid late).
 */
paid: boolean, 
/**
 * Overpaid: how much more than the amount arrived, for the owner to handle.
 */
overage: AssetAmount | null, 
/**
 * Final with counted funds that must go back (expired short, or canceled).
 */
refundDue: AssetAmount | null, 
/**
 * Extra payments (another asset, beyond the amount, after the end), per asset.
 */
extras: Array<ExtraFunds>, };

/**
 * One line of the till's "last sales" strip.
 */
export type SaleSummary = { 
/**
 * The session id.
 */
id: string, 
/**
 * Its status.
 */
status: Status, 
/**
 * The amount charged.
 */
fiat: Fiat, 
/**
 * The asset amount asked for.
 */
amount: AssetAmount, 
/**
 * The asset's symbol.
 */
asset: string, 
/**
 * Created (ISO 8601).
 */
createdAt: string, 
/**
 * Live or test.
 */
livemode: boolean, 
/**
 * How many extra payments it has.
 */
extras: number, };

/**
 * An asset a network accepts.
 */
export type AssetInfo = { 
/**
 * Ticker, e.g. `ETH`, `USDC`.
 */
symbol: string, 
/**
 * Its decimals.
 */
decimals: number, 
/**
 * The chain's own coin (not a token).
 */
native: boolean, };

/**
 * A configured network and its assets.
 */
export type NetworkInfo = { 
/**
 * The network id sessions name.
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Sessions on it are test objects.
 */
test: boolean, 
/**
 * Confirmations required before paid.
 */
confirmations: number, 
/**
 * The native coin first, then the tokens.
 */
assets: Array<AssetInfo>, };

/**
 * The shop as the till shows it.
 */
export type AppInfo = { 
/**
 * `store.name`.
 */
storeName: string, 
/**
 * `store.default_currency`.
 */
currency: string, 
/**
 * The currency's minor-unit digits (USD 2, JPY 0, BHD 3): what the amount entry allows.
 */
minorUnits: number, 
/**
 * Configured networks.
 */
networks: Array<NetworkInfo>, 
/**
 * The app's version.
 */
version: string, 
/**
 * Why the local API is off (its port could not be bound); sales still work.
 */
apiError: string | null, 
/**
 * Where the local API listens.
 */
apiUrl: string, 
/**
 * A sound when a sale is paid.
 */
sound: boolean, };

/**
 * Whether a wallet's keychain entry can be found, without reading the phrase.
 */
export type KeychainStatus = { "state": "present" } | { "state": "missing" } | { "state": "unavailable", "detail": string };

/**
 * A receive address and its index.
 */
export type IndexedAddress = { 
/**
 * `i` in `m/44'/60'/account'/0/i`.
 */
index: number, 
/**
 * EIP-55 checksummed.
 */
address: string, };

/**
 * What may be shown about the wallet: never the phrase.
 */
export type WalletInfo = { 
/**
 * Account xpub (`m/44'/60'/account'`).
 */
xpub: string, 
/**
 * This till's BIP44 account (0 for the first till on a phrase).
 */
account: number, 
/**
 * The first receive addresses, EIP-55.
 */
addresses: Array<IndexedAddress>, 
/**
 * The next index a session will get.
 */
nextIndex: number, 
/**
 * Whether the phrase is in the keychain.
 */
keychain: KeychainStatus, };

/**
 * What the health endpoint and the window show about one network.
 */
export type ChainStatus = { 
/**
 * Network id from the config.
 */
network: string, 
/**
 * Configured chain id.
 */
chainId: number, 
/**
 * Whether a node is connected and answering.
 */
connected: boolean, 
/**
 * The node in use, as scheme://host:port only (see [`shown_url`]).
 */
rpcUrl: string | null, 
/**
 * Chain head as last seen.
 */
head: number | null, 
/**
 * Last block fully processed.
 */
processed: number | null, 
/**
 * Blocks behind the head.
 */
lag: number | null, 
/**
 * The last error, if the watcher is not healthy.
 */
error: string | null, 
/**
 * When this was last updated (RFC 3339).
 */
updatedAt: string | null, 
/**
 * When the watcher last had every block up to the head processed (RFC 3339): a till stops
 * charging on a network whose watcher has been behind for more than a minute.
 */
caughtUpAt: string | null, };

/**
 * Where first-run setup stands.
 */
export type SetupState = { 
/**
 * The wallet, once created or imported.
 */
wallet: WalletInfo | null, 
/**
 * Setup finished (store, network and PIN saved): the till is ready to charge.
 */
configured: boolean, };

/**
 * A preset as the wizard shows it.
 */
export type NetworkPreset = { 
/**
 * `ethereum`, `base`, …, `local`.
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * EIP-155 chain id.
 */
chainId: number, 
/**
 * A test network.
 */
test: boolean, 
/**
 * The native coin.
 */
nativeSymbol: string, 
/**
 * The native USDC contract, when the network has one.
 */
usdc: string | null, 
/**
 * Default confirmations.
 */
confirmations: number, 
/**
 * Typical block time, for "about N s" next to the confirmations.
 */
blockSeconds: number, 
/**
 * A public endpoint to start with (the owner's own provider URL is better).
 */
suggestedRpcUrl: string, };

/**
 * A new phrase to show once, and which words (1-based) the owner must re-type.
 */
export type NewPhrase = { 
/**
 * The 24 words.
 */
words: Array<string>, 
/**
 * Positions (1-based, ascending) to re-type.
 */
confirm: Array<number>, };

/**
 * A re-typed word.
 */
export type WordAnswer = { 
/**
 * 1-based position.
 */
index: number, 
/**
 * What was typed.
 */
word: string, };

/**
 * A live test of an RPC URL.
 */
export type RpcCheck = { 
/**
 * The chain id the node answered.
 */
chainId: number, 
/**
 * Its head block.
 */
head: number, 
/**
 * Whether that is the expected chain.
 */
matches: boolean, 
/**
 * The answer in words (never the URL's path or query).
 */
message: string, };

/**
 * The network chosen in the wizard: a preset id, or `custom` with its own chain id, name,
 * native coin and a fixed rate.
 */
export type SetupNetwork = { 
/**
 * A preset id or `custom`.
 */
preset: string, 
/**
 * The node (tested live before anything is written).
 */
rpcUrl: string, 
/**
 * Confirmations required before paid.
 */
confirmations: number, 
/**
 * Custom only: EIP-155 chain id.
 */
chainId: number | null, 
/**
 * Custom only: display name.
 */
name: string | null, 
/**
 * Custom only: the native coin's symbol.
 */
nativeSymbol: string | null, 
/**
 * Custom only: fiat per native coin (a decimal string).
 */
nativeRate: string | null, 
/**
 * Custom only: a test network.
 */
test: boolean | null, };

/**
 * Everything the wizard saves at the end.
 */
export type SetupRequest = { 
/**
 * The shop's name.
 */
storeName: string, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * The networks to watch (one or more, each with its node).
 */
networks: Array<SetupNetwork>, 
/**
 * The owner PIN (6+ digits); stored only as an argon2id hash.
 */
pin: string, };

/**
 * How one asset is priced: a fixed rate, or a Chainlink feed on the same chain.
 */
export type AssetSettings = { 
/**
 * Ticker (not editable).
 */
symbol: string, 
/**
 * The token contract, `null` for the native coin (not editable).
 */
contract: string | null, 
/**
 * Fiat (the store's currency) per whole unit, a decimal string; `null` when a feed prices it.
 */
fixedRate: string | null, 
/**
 * The Chainlink AggregatorV3 feed; `null` for a fixed rate.
 */
chainlinkFeed: string | null, 
/**
 * The feed's heartbeat: an older answer is refused as stale.
 */
heartbeatSecs: number | null, };

/**
 * One network's settings.
 */
export type NetworkSettings = { 
/**
 * The network id (not editable: sessions name it).
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * EIP-155 chain id.
 */
chainId: number, 
/**
 * Test or live.
 */
mode: "test" | "live", 
/**
 * The first node, shown as scheme://host only (its path or query may carry an API key).
 */
rpcShown: string, 
/**
 * A new RPC URL replacing the configured ones; `null` keeps them.
 */
rpcUrl: string | null, 
/**
 * Confirmations required before paid.
 */
confirmations: number, 
/**
 * The native coin first, then the tokens, with their rates.
 */
assets: Array<AssetSettings>, };

/**
 * Everything the settings screen edits.
 */
export type Settings = { 
/**
 * `store.name`.
 */
storeName: string, 
/**
 * `store.default_currency`.
 */
currency: string, 
/**
 * `store.expiry_minutes`.
 */
expiryMinutes: number, 
/**
 * `store.late_grace_minutes`.
 */
lateGraceMinutes: number, 
/**
 * `store.underpaid_tolerance_percent`, a decimal string.
 */
underpaidTolerancePercent: string, 
/**
 * `api.bind`.
 */
apiBind: string, 
/**
 * `api.public_url`.
 */
publicUrl: string, 
/**
 * A sound when a sale is paid (kept in the database, not the file).
 */
sound: boolean, 
/**
 * `[[networks]]`, in file order.
 */
networks: Array<NetworkSettings>, };

/**
 * An error as the UI receives it: `code` for code to switch on, `message` for people, `param`
 * naming the field at fault, and `retryAfterSecs` when trying again later may work.
 */
export type IpcError = { code: string, message: string, param: string | null, retryAfterSecs: number | null, };

/**
 * Which sessions to show. Every field is optional; they combine with AND.
 */
export type SessionFilter = { 
/**
 * One status.
 */
status: Status | null, 
/**
 * Only sessions that need the owner: underpaid, overpaid, paid late, expired with funds
 * received, or with extra payments.
 */
attention: boolean, 
/**
 * Created on or after this day (UTC, `YYYY-MM-DD`).
 */
from: string | null, 
/**
 * Created on or before this day (UTC, `YYYY-MM-DD`).
 */
to: string | null, 
/**
 * One network id.
 */
network: string | null, 
/**
 * One asset symbol.
 */
asset: string | null, 
/**
 * Live (`true`) or test (`false`) sessions only.
 */
livemode: boolean | null, 
/**
 * A session id, address, transaction hash or metadata value.
 */
search: string | null, };

/**
 * A page of the ledger.
 */
export type LedgerPage = { 
/**
 * Newest first.
 */
sessions: Array<CheckoutSession>, 
/**
 * Whether older sessions match too (ask again with the last id as `startingAfter`).
 */
hasMore: boolean, };

/**
 * What one asset brought in.
 */
export type AssetTotal = { 
/**
 * The network id.
 */
network: string, 
/**
 * The asset's symbol.
 */
asset: string, 
/**
 * Sessions created.
 */
sessions: number, 
/**
 * Of which count as paid (paid, overpaid, paid late).
 */
paid: number, 
/**
 * What arrived and counts, in the asset (a decimal string).
 */
received: string, 
/**
 * The fiat amounts of the paid sessions, at the rates quoted when they were created.
 */
paidFiat: string, };

/**
 * One day's totals.
 */
export type DayTotals = { 
/**
 * `YYYY-MM-DD` (UTC).
 */
day: string, 
/**
 * Per network and asset.
 */
assets: Array<AssetTotal>, };

/**
 * Totals over a filter's sessions: the end-of-day summary when the filter is one day.
 */
export type Totals = { 
/**
 * The fiat currency of `paidFiat` (the store's).
 */
currency: string, 
/**
 * Sessions selected.
 */
sessions: number, 
/**
 * Of which count as paid.
 */
paid: number, 
/**
 * Of which can still change (pending, detected, underpaid).
 */
open: number, 
/**
 * Of which need the owner (see the ledger's attention filter).
 */
attention: number, 
/**
 * The fiat amounts of the paid sessions.
 */
paidFiat: string, 
/**
 * Per network and asset, over the whole range.
 */
assets: Array<AssetTotal>, 
/**
 * Per day (newest first), per network and asset.
 */
days: Array<DayTotals>, };

/**
 * One delivery of an event to an endpoint, as the delivery log shows it.
 */
export type DeliveryLine = { 
/**
 * The endpoint.
 */
endpointId: string, 
/**
 * Its name.
 */
endpointName: string, 
/**
 * `pending`, `succeeded`, `failed` or `canceled`.
 */
status: string, 
/**
 * Attempts made.
 */
attempts: number, 
/**
 * The last attempt's HTTP status, if a response arrived.
 */
lastHttpStatus: number | null, 
/**
 * The last attempt's error, if no 2xx arrived.
 */
lastError: string | null, 
/**
 * When the next attempt is due (ISO 8601), if one is scheduled.
 */
nextAttemptAt: string | null, };

/**
 * One status change or other event of the session.
 */
export type TimelineEntry = { 
/**
 * `evt_…` (resend takes it).
 */
eventId: string, 
/**
 * `session.paid`, …
 */
kind: string, 
/**
 * When it was raised (ISO 8601).
 */
at: string, 
/**
 * Its webhook deliveries.
 */
deliveries: Array<DeliveryLine>, };

/**
 * A payment's link on the network's block explorer.
 */
export type ExplorerLink = { 
/**
 * The transaction.
 */
txHash: string, 
/**
 * Where to see it (https only).
 */
url: string, };

/**
 * Everything about one session.
 */
export type SessionDetail = { 
/**
 * The session and its rules.
 */
sale: SaleView, 
/**
 * Its events, oldest first.
 */
timeline: Array<TimelineEntry>, 
/**
 * Explorer links of its payments (none when the network has no explorer configured).
 */
explorer: Array<ExplorerLink>, };

/**
 * How much the simulated customer pays.
 */
export type SimulatedAmount = "exact" | "short" | "over";

/**
 * An endpoint as shown: the secret only in [`NewSecret`], on creation and rotation.
 */
export type Endpoint = { 
/**
 * `we_…`.
 */
id: string, 
/**
 * Always `"webhook_endpoint"`.
 */
object: "webhook_endpoint", 
/**
 * The owner's label.
 */
name: string, 
/**
 * Where events are POSTed.
 */
url: string, 
/**
 * `["*"]` or event types.
 */
events: Array<string>, 
/**
 * `false` for a test endpoint (test events only, seen by test keys), `true` for a live one
 * (live and test events, seen by live keys).
 */
livemode: boolean, 
/**
 * `enabled` or `disabled`.
 */
status: "enabled" | "disabled", 
/**
 * Why it was disabled (e.g. the receiver answered 410 Gone).
 */
disabledReason: string | null, 
/**
 * Until when the previous secret still signs, after a rotation.
 */
previousSecretExpiresAt: string | null, 
/**
 * Creation time.
 */
createdAt: string, };

/**
 * An endpoint with its secret, returned once.
 */
export type NewSecret = { 
/**
 * `whsec_…`: shown now and never again.
 */
secret: string, 
/**
 * `we_…`.
 */
id: string, 
/**
 * Always `"webhook_endpoint"`.
 */
object: "webhook_endpoint", 
/**
 * The owner's label.
 */
name: string, 
/**
 * Where events are POSTed.
 */
url: string, 
/**
 * `["*"]` or event types.
 */
events: Array<string>, 
/**
 * `false` for a test endpoint (test events only, seen by test keys), `true` for a live one
 * (live and test events, seen by live keys).
 */
livemode: boolean, 
/**
 * `enabled` or `disabled`.
 */
status: "enabled" | "disabled", 
/**
 * Why it was disabled (e.g. the receiver answered 410 Gone).
 */
disabledReason: string | null, 
/**
 * Until when the previous secret still signs, after a rotation.
 */
previousSecretExpiresAt: string | null, 
/**
 * Creation time.
 */
createdAt: string, };

/**
 * One logged delivery attempt.
 */
export type Attempt = { 
/**
 * `att_<n>`: the attempt's id, the cursor of the delivery log.
 */
id: string, 
/**
 * The event delivered.
 */
eventId: string, 
/**
 * The endpoint.
 */
endpointId: string, 
/**
 * 1 for the first attempt of a delivery.
 */
attempt: number, 
/**
 * Start time (ms), shown as RFC 3339.
 */
startedAt: string, 
/**
 * How long it took.
 */
durationMs: number, 
/**
 * HTTP status, if a response arrived.
 */
httpStatus: number | null, 
/**
 * What went wrong, if no 2xx arrived.
 */
error: string | null, 
/**
 * First 4 KiB of the response body.
 */
responseBody: string, 
/**
 * When the next attempt is due (ms), if one is scheduled.
 */
nextRetryAt: string | null, };

/**
 * An API key as it may be shown: never the key itself.
 */
export type ApiKey = { 
/**
 * `key_…`.
 */
id: string, 
/**
 * The owner's label.
 */
name: string, 
/**
 * Test keys see test objects only, live keys live ones.
 */
mode: "test" | "live", 
/**
 * Restricted keys may only create, read and cancel sessions.
 */
restricted: boolean, 
/**
 * The key's last four characters, to recognise it.
 */
last4: string, 
/**
 * Creation time.
 */
createdAt: string, 
/**
 * Revocation time, if revoked.
 */
revokedAt: string | null, };

/**
 * A new API key and, once, the key itself.
 */
export type CreatedKey = { 
/**
 * What may be shown later.
 */
key: ApiKey, 
/**
 * `ck_test_…` / `ck_live_…`: shown now and never again.
 */
secret: string, };
