package ecies_test

import (
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// A file encrypted to the reader's key and signed by the writer's app key,
// as putFile({encrypt: true, sign: true}) stores it, read back by checking
// that the writer's bucket address signed it.
func ExampleEncryptAndSign() {
	reader, _ := btcec.NewPrivateKey()
	writer, _ := btcec.NewPrivateKey()
	env, err := ecies.EncryptAndSign(reader.PubKey(), writer, []byte("hello"), ecies.Options{WasString: true, Encoding: ecies.Base64})
	if err != nil {
		panic(err)
	}
	pt, wasString, err := ecies.VerifyAndDecrypt(reader, env, gaiaauth.AddressFromKey(writer))
	fmt.Println(string(pt), wasString, err)

	// Another bucket's address: the check fails before decrypting.
	_, _, err = ecies.VerifyAndDecrypt(reader, env, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH")
	fmt.Println(err != nil)
	// Output:
	// hello true <nil>
	// true
}
