// Package wallet holds the keys a Blockstack user acts with and the bitcoin
// that pays for their transactions. It owns:
//
//   - keys: secp256k1 keys, either one imported WIF key or a BIP39 mnemonic
//     from which owner keys and a payment key are derived (see Paths), and
//     their P2PKH addresses for the wallet's network;
//   - UTXO discovery: the wallet finds its own outputs by scanning blocks
//     through a chain.Backend, so no node-side wallet is needed and btcd,
//     bitcoind and the devnet are used alike;
//   - spending: coin selection, fees and signing of transactions whose
//     outputs the caller dictates, and broadcasting them.
//
// It knows nothing of BNS. Callers hand it the outputs a transaction must
// carry, in order, the key that must appear as the sender (it spends the
// first input) and the index the change output takes; what those outputs
// mean, and which shapes a name operation needs, is the bns package's
// business.
//
// # Paths
//
// A mnemonic wallet derives, with an empty BIP39 passphrase as Blockstack's
// wallets do:
//
//   - owner keys at m/888'/0'/i' (all hardened), Blockstack's identity
//     keychain: identity i owns names and signs profiles with this key;
//   - one payment key at BIP44 m/44'/coin'/0'/0/0, where coin is the
//     network's SLIP-44 type from chaincfg (0 on mainnet, 1 on testnet and
//     regtest), so the mnemonic restores the same payment address in any
//     BIP44 wallet.
//
// A WIF wallet has one key that serves as both the payment key and owner
// key 0.
//
// # Files
//
// A wallet is a JSON file (mode 0600, replaced atomically) holding the
// network name, the mnemonic or WIF key, the number of owner keys watched
// and the birthday height scanning starts from. Keys are stored in the
// clear: encryption at rest with a passphrase is a later issue. Scan
// progress, the unspent outputs and the transactions the wallet sent live in
// a state file next to it (wallet.json → wallet.state.json); losing it costs
// a rescan from the birthday and forgets unconfirmed spends. The files
// are not locked: two processes using one wallet at the same time can lose
// each other's state updates.
//
// # Scanning
//
// Sync drives chain.Sync: the wallet is its Cursor and Handler. For the
// last 288 scanned blocks the state keeps each hash and what the block
// changed in the wallet's coins, so a reorganisation within that window
// rewinds block by block to the fork point; a deeper one finds no common
// block and rescans from the birthday.
//
// # Confirmations
//
// Only confirmed outputs are spent, and coinbase outputs only once mature
// (chaincfg's CoinbaseMaturity, 100 blocks), judged at the height of the
// last Sync. Change of the wallet's own unconfirmed transactions is not
// spent before it confirms: chaining unconfirmed transactions would let one
// dropped or replaced transaction invalidate the ones built on it, and BNS
// operations wait for confirmations between steps anyway. Outputs spent by a
// transaction the wallet sent stay locked until a block spends them or the
// backend no longer knows the transaction (dropped from its mempool); the
// wallet remembers its sent transactions until they are buried below its
// reorganisation window, so a reorganisation that unconfirms one locks its
// outputs again.
package wallet
