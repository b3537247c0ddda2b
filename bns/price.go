package bns

import (
	"math"
	"math/big"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
)

// NamespacePrice is the price in satoshis of the namespace id, by its
// length: 1 → 40 BTC, 2–3 → 4 BTC, 4–7 → 0.4 BTC, 8 or more → 0.04 BTC.
// These are the last BTC prices of Blockstack v1 (its third epoch divided
// the original table by 10).
func NamespacePrice(id string) (int64, error) {
	if err := ValidNamespaceID(id); err != nil {
		return 0, err
	}
	switch n := len(id); {
	case n == 1:
		return 40 * btcutil.SatoshiPerBitcoin, nil
	case n <= 3:
		return 4 * btcutil.SatoshiPerBitcoin, nil
	case n <= 7:
		return btcutil.SatoshiPerBitcoin * 4 / 10, nil
	default:
		return btcutil.SatoshiPerBitcoin * 4 / 100, nil
	}
}

// PriceParams are the pricing rules a NAMESPACE_REVEAL sets for the names
// of its namespace.
type PriceParams struct {
	Coeff uint8
	Base  uint8
	// Buckets[i] is the exponent of Base for names of i+1 characters; the
	// last bucket covers 16 characters and more. Each is 0–15 (a nibble).
	Buckets [16]uint8
	// NonalphaDiscount divides the price of names with a digit, '-' or
	// '_'; NoVowelDiscount that of names without a, e, i, o, u or y. Only
	// the larger applies. Each is 1–15.
	NonalphaDiscount uint8
	NoVowelDiscount  uint8
}

// Price arithmetic constants (blockstack-core config.py): prices are in
// units of NAME_COST_UNIT = 100 satoshis, never below one unit, and the
// third epoch multiplied every name price by 0.1 (here: ÷ 10).
const (
	nameCostUnit       = 100
	namePriceDivisor   = 10
	vowels             = "aeiouy"
	nonalphaCharacters = "0123456789-_"
)

// NamePrice is the price in satoshis of name (the part before the dot, not
// the fully-qualified name) under p:
//
//	max(100, coeff × base^bucket[min(len,16)−1] × 100 ÷ discount) ÷ 10
//
// in exact integer arithmetic, truncating each division. blockstack-core
// computed it in floating point in its early epochs and, from the epoch
// with EPOCH_FEATURE_INT_DIVISION on, exactly so (scripts.py price_name:
// coeff × base^e × NAME_COST_UNIT ÷ int(discount), at least NAME_COST_UNIT,
// ÷ the epoch's price divisor); integers make every node agree. A
// result beyond int64 (only possible with absurd namespace parameters) is
// clamped to math.MaxInt64, which no fee can reach.
func (p PriceParams) NamePrice(name string) int64 {
	bucket := min(max(len(name), 1), len(p.Buckets)) - 1

	discount := uint8(1)
	if !strings.ContainsAny(name, vowels) {
		discount = max(discount, p.NoVowelDiscount)
	}
	if strings.ContainsAny(name, nonalphaCharacters) {
		discount = max(discount, p.NonalphaDiscount)
	}

	price := new(big.Int).Exp(big.NewInt(int64(p.Base)), big.NewInt(int64(p.Buckets[bucket])), nil)
	price.Mul(price, big.NewInt(int64(p.Coeff)*nameCostUnit))
	price.Quo(price, big.NewInt(int64(discount)))
	if price.Cmp(big.NewInt(nameCostUnit)) < 0 {
		price.SetInt64(nameCostUnit)
	}
	price.Quo(price, big.NewInt(namePriceDivisor))
	if !price.IsInt64() {
		return math.MaxInt64
	}
	return price.Int64()
}
