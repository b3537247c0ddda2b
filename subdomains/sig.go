package subdomains

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"

	"github.com/go-blockstack/go-blockstack/internal/secpverify"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Errors of Verify and of the signature parsers. A record that fails with
// any of them is rejected with ReasonBadSignature.
var (
	// ErrNoSignature: the record carries no sig field.
	ErrNoSignature = errors.New("no signature")
	// ErrMalformedSignature: sig is not base64 of a scriptSig of either
	// shape, or its keys, signatures or redeem script do not parse.
	ErrMalformedSignature = errors.New("malformed signature script")
	// ErrInvalidSignature: the scriptSig is well formed but an ECDSA
	// signature in it does not verify.
	ErrInvalidSignature = errors.New("signature does not verify")
	// ErrWrongSigner: the signature verifies, but for another address than
	// the one that had to sign.
	ErrWrongSigner = errors.New("signed by another address")
	// ErrBadAddress: an owner address is not base58check P2PKH or P2SH.
	ErrBadAddress = errors.New("not a P2PKH or P2SH address")
)

// sigLen is the length of one signature inside the scriptSig: r and s as
// 32-byte big-endian numbers (virtualchain's encode_signature), not DER and
// without a sighash byte.
const sigLen = 64

// digest is what the signatures sign: one SHA-256 of the signing text
// (v1 verify: hashlib.sha256(plaintext), then ecdsalib.verify_digest,
// which does not hash again).
func digest(sd zonefile.Subdomain) [32]byte {
	return sha256.Sum256([]byte(sd.SigningText()))
}

// An addrKey identifies an owner independently of the network its
// address was written for: 'p' (P2PKH) or 's' (P2SH), then the hex
// hash160. v1 compared addresses through virtualchain.address_reencode,
// which maps mainnet and testnet version bytes onto the node's network,
// so "1…" and "m…" spellings of one key are the same owner.
type addrKey string

// ownerKey reads a base58check owner address of mainnet or
// testnet/regtest version bytes.
func ownerKey(addr string) (addrKey, error) {
	payload, version, err := base58.CheckDecode(addr)
	if err != nil || len(payload) != 20 {
		return "", fmt.Errorf("subdomains: owner %q: %w", addr, ErrBadAddress)
	}
	switch version {
	case chaincfg.MainNetParams.PubKeyHashAddrID, chaincfg.TestNet3Params.PubKeyHashAddrID:
		return addrKey("p" + hex.EncodeToString(payload)), nil
	case chaincfg.MainNetParams.ScriptHashAddrID, chaincfg.TestNet3Params.ScriptHashAddrID:
		return addrKey("s" + hex.EncodeToString(payload)), nil
	}
	return "", fmt.Errorf("subdomains: owner %q has version byte %d: %w", addr, version, ErrBadAddress)
}

// signerOf returns who signed sd: the owner key whose scriptSig in sd.Sig
// carries valid signatures over sd's signing text. It depends only on the
// record, not on any state, so the indexer computes it once per record,
// in parallel, and the rules then compare it with the previous owner.
//
// The two shapes are v1's (subdomains.py verify_singlesig and
// verify_multisig):
//
//   - single-sig, for a P2PKH owner: exactly two pushes, <sig> <pubkey>;
//     the owner is hash160 of the public key as pushed (compressed or not);
//   - multisig, for a P2SH owner: <anything> <sig>... <redeemScript>, the
//     redeem script m <pubkey>... n OP_CHECKMULTISIG with exactly m
//     signatures, matched to the keys in order as OP_CHECKMULTISIG does;
//     the owner is hash160 of the redeem script.
//
// v1 chose the shape from the owner address's version byte; here the
// shape is read from the script, which gives the same answer because a
// two-push script can only be single-sig (a multisig needs m ≥ 1
// signatures besides the redeem script and the leading element).
func signerOf(sd zonefile.Subdomain) (addrKey, error) {
	if sd.Sig == "" {
		return "", ErrNoSignature
	}
	script, err := base64.StdEncoding.DecodeString(sd.Sig)
	if err != nil {
		return "", fmt.Errorf("%w: not base64", ErrMalformedSignature)
	}
	parts, err := scriptPushes(script)
	if err != nil {
		return "", err
	}
	h := digest(sd)
	if len(parts) == 2 {
		return verifySingle(h[:], parts[0], parts[1])
	}
	if len(parts) < 2 {
		return "", fmt.Errorf("%w: %d elements", ErrMalformedSignature, len(parts))
	}
	return verifyMulti(h[:], parts[1:len(parts)-1], parts[len(parts)-1])
}

// scriptPushes splits a scriptSig into its elements: the data of each
// push (OP_0 gives an empty one), nil for any other opcode.
func scriptPushes(script []byte) ([][]byte, error) {
	var parts [][]byte
	t := txscript.MakeScriptTokenizer(0, script)
	for t.Next() {
		op := t.Opcode()
		switch {
		case op == txscript.OP_0:
			parts = append(parts, []byte{})
		case op <= txscript.OP_PUSHDATA4:
			parts = append(parts, t.Data())
		default:
			parts = append(parts, nil)
		}
	}
	if err := t.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedSignature, err)
	}
	return parts, nil
}

func verifySingle(hash, sig, pub []byte) (addrKey, error) {
	if err := checkSig(sig); err != nil {
		return "", err
	}
	if !secpverify.Verify(pub, hash, sig) {
		// Told apart only when it fails: parsing the key costs a
		// square root.
		if _, err := btcec.ParsePubKey(pub); err != nil {
			return "", fmt.Errorf("%w: public key: %v", ErrMalformedSignature, err)
		}
		return "", ErrInvalidSignature
	}
	return addrKey("p" + hex.EncodeToString(btcutil.Hash160(pub))), nil
}

func verifyMulti(hash []byte, sigs [][]byte, redeem []byte) (addrKey, error) {
	m, pubs, err := parseMultisigScript(redeem)
	if err != nil {
		return "", err
	}
	if len(sigs) != m {
		return "", fmt.Errorf("%w: %d signatures for a %d-of-%d script", ErrMalformedSignature, len(sigs), m, len(pubs))
	}
	// As OP_CHECKMULTISIG: each signature is tried against the keys left
	// after the previous match, so signatures come in key order.
	k := 0
	for _, sig := range sigs {
		if err := checkSig(sig); err != nil {
			return "", err
		}
		for ; k < len(pubs) && !secpverify.Verify(pubs[k], hash, sig); k++ {
		}
		if k == len(pubs) {
			return "", ErrInvalidSignature
		}
		k++
	}
	return addrKey("s" + hex.EncodeToString(btcutil.Hash160(redeem))), nil
}

// checkSig checks that b is a 64-byte r‖s signature with r and s in
// [1, N-1], so that a malformed one is told from one that does not verify.
// High s is accepted, as the Python ecdsa package that v1 verified with
// accepted it.
func checkSig(b []byte) error {
	if len(b) != sigLen {
		return fmt.Errorf("%w: signature is %d bytes, want %d (r‖s)", ErrMalformedSignature, len(b), sigLen)
	}
	var r, s btcec.ModNScalar
	if r.SetByteSlice(b[:32]) || s.SetByteSlice(b[32:]) || r.IsZero() || s.IsZero() {
		return fmt.Errorf("%w: r or s out of range", ErrMalformedSignature)
	}
	return nil
}

// parseMultisigScript reads m <pubkey>... n OP_CHECKMULTISIG, with
// 1 ≤ m ≤ n ≤ 16 and every key a valid public key, and returns m and the
// keys as pushed.
func parseMultisigScript(script []byte) (int, [][]byte, error) {
	bad := func(why string) (int, [][]byte, error) {
		return 0, nil, fmt.Errorf("%w: redeem script: %s", ErrMalformedSignature, why)
	}
	var ops []byte
	var data [][]byte
	t := txscript.MakeScriptTokenizer(0, script)
	for t.Next() {
		ops = append(ops, t.Opcode())
		data = append(data, t.Data())
	}
	if t.Err() != nil || len(ops) < 4 {
		return bad("not m <keys> n OP_CHECKMULTISIG")
	}
	last := len(ops) - 1
	if ops[last] != txscript.OP_CHECKMULTISIG {
		return bad("does not end in OP_CHECKMULTISIG")
	}
	small := func(op byte) int {
		if op >= txscript.OP_1 && op <= txscript.OP_16 {
			return int(op-txscript.OP_1) + 1
		}
		return 0
	}
	m, n := small(ops[0]), small(ops[last-1])
	if m == 0 || n != last-2 || m > n {
		return bad("m and n are not 1 ≤ m ≤ n = number of keys")
	}
	for i := range n {
		if _, err := btcec.ParsePubKey(data[1+i]); err != nil {
			return bad(fmt.Sprintf("key %d: %v", i, err))
		}
	}
	return m, data[1 : 1+n], nil
}

// Verify checks that sd carries a valid signature by owner (a P2PKH or
// P2SH address, of any network): the check v1 makes of every update
// against the previous owner. The error wraps ErrNoSignature,
// ErrMalformedSignature, ErrInvalidSignature, ErrWrongSigner or
// ErrBadAddress.
func Verify(sd zonefile.Subdomain, owner string) error {
	want, err := ownerKey(owner)
	if err != nil {
		return err
	}
	got, err := signerOf(sd)
	if err != nil {
		return fmt.Errorf("subdomains: record %q: %w", sd.Name, err)
	}
	if got != want {
		return fmt.Errorf("subdomains: record %q: %w, not %s", sd.Name, ErrWrongSigner, owner)
	}
	return nil
}

// A Key signs subdomain records for one owner address: SingleKey for a
// P2PKH owner, MultisigKey for a P2SH one.
type Key interface {
	// Address is the owner address the key signs for.
	Address(params *chaincfg.Params) (string, error)
	// scriptSig returns the signature script over a digest.
	scriptSig(hash []byte) ([]byte, error)
}

// SingleKey is a P2PKH owner's private key. Compressed says which
// encoding of the public key the owner address hashes (and the scriptSig
// therefore pushes).
type SingleKey struct {
	Priv       *btcec.PrivateKey
	Compressed bool
}

func (k SingleKey) pub() []byte {
	if k.Compressed {
		return k.Priv.PubKey().SerializeCompressed()
	}
	return k.Priv.PubKey().SerializeUncompressed()
}

// Address is the key's P2PKH address.
func (k SingleKey) Address(params *chaincfg.Params) (string, error) {
	a, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(k.pub()), params)
	if err != nil {
		return "", fmt.Errorf("subdomains: address: %w", err)
	}
	return a.EncodeAddress(), nil
}

func (k SingleKey) scriptSig(hash []byte) ([]byte, error) {
	b := txscript.NewScriptBuilder().AddData(compactSig(k.Priv, hash)).AddData(k.pub())
	return b.Script()
}

// compactSig is an RFC 6979, low-s signature as r‖s.
func compactSig(priv *btcec.PrivateKey, hash []byte) []byte {
	return ecdsa.SignCompact(priv, hash, true)[1:] // drop the recovery byte
}

// MultisigKey is a P2SH multisig owner: its redeem script and at least m
// of the private keys it names.
type MultisigKey struct {
	RedeemScript []byte
	Privs        []*btcec.PrivateKey
}

// MultisigScript returns the redeem script m <pubkeys> n
// OP_CHECKMULTISIG, each key pushed compressed.
func MultisigScript(m int, pubs []*btcec.PublicKey) ([]byte, error) {
	if m < 1 || m > len(pubs) || len(pubs) > 16 {
		return nil, fmt.Errorf("subdomains: a %d-of-%d multisig script", m, len(pubs))
	}
	b := txscript.NewScriptBuilder().AddInt64(int64(m))
	for _, p := range pubs {
		b.AddData(p.SerializeCompressed())
	}
	return b.AddInt64(int64(len(pubs))).AddOp(txscript.OP_CHECKMULTISIG).Script()
}

// Address is the redeem script's P2SH address.
func (k MultisigKey) Address(params *chaincfg.Params) (string, error) {
	a, err := btcutil.NewAddressScriptHash(k.RedeemScript, params)
	if err != nil {
		return "", fmt.Errorf("subdomains: address: %w", err)
	}
	return a.EncodeAddress(), nil
}

// scriptSig signs with the first m of the script's keys that Privs hold,
// in script order (v1 sign_multisig), after an OP_0.
func (k MultisigKey) scriptSig(hash []byte) ([]byte, error) {
	m, pubs, err := parseMultisigScript(k.RedeemScript)
	if err != nil {
		return nil, fmt.Errorf("subdomains: multisig key: %w", err)
	}
	b := txscript.NewScriptBuilder().AddOp(txscript.OP_0)
	used := 0
	for _, raw := range pubs {
		if used == m {
			break
		}
		pub, _ := btcec.ParsePubKey(raw) // parseMultisigScript checked every key
		for _, priv := range k.Privs {
			if priv.PubKey().IsEqual(pub) {
				b.AddData(compactSig(priv, hash))
				used++
				break
			}
		}
	}
	if used < m {
		return nil, fmt.Errorf("subdomains: multisig key holds %d of the %d private keys needed", used, m)
	}
	return b.AddData(k.RedeemScript).Script()
}

// Sign returns sd with Sig set to k's signature over its signing text.
// sd.Name must be what the record will be named in the zone file that
// carries it: the label in its parent's zone file, the fully-qualified
// name in any other.
func Sign(sd zonefile.Subdomain, k Key) (zonefile.Subdomain, error) {
	h := digest(sd)
	script, err := k.scriptSig(h[:])
	if err != nil {
		return zonefile.Subdomain{}, err
	}
	sd.Sig = base64.StdEncoding.EncodeToString(script)
	return sd, nil
}
