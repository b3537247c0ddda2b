package keychain_test

import (
	"encoding/hex"
	"fmt"

	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// An app's key and bucket for identity 0 of a mnemonic; the key is the one
// @stacks/wallet-sdk derives for the same mnemonic and origin.
func Example() {
	k, err := keychain.FromMnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "mainnet")
	if err != nil {
		panic(err)
	}
	id, err := k.Identity(0)
	if err != nil {
		panic(err)
	}
	app, err := id.AppPrivateKey("https://app.example.com")
	if err != nil {
		panic(err)
	}
	b := app.Key.Bytes()
	fmt.Println("salt      ", k.Salt())
	fmt.Println("app key   ", hex.EncodeToString(b[:]))
	fmt.Println("app bucket", gaiaauth.AddressFromKey(app))
	// Output:
	// salt       1f697dc22fc7c4ef696419712c521ba6f75076a3bdce067908920b519ea790c8
	// app key    e9b1edf5b74865cf5b9d0b18cde1da7ad6c0e25f4849c40c2a0870413146898a
	// app bucket 1AcwYAEwvhUdoCudYg2PqyYGWZ615V6oXL
}
