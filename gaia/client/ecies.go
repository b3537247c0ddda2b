package client

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
)

// CipherObject is the JSON object @stacks/encryption's encryptECIES makes
// (atlas-gaia.md B.9); its field order is the one JSON.stringify writes.
type CipherObject struct {
	IV                 string `json:"iv"`
	EphemeralPK        string `json:"ephemeralPK"`
	CipherText         string `json:"cipherText"`
	MAC                string `json:"mac"`
	WasString          bool   `json:"wasString"`
	CipherTextEncoding string `json:"cipherTextEncoding,omitempty"`
}

// ErrDecrypt is a MAC mismatch or malformed cipher object.
var ErrDecrypt = errors.New("ecies: decryption failed")

// EncryptECIES encrypts plaintext to pub: ECDH with a fresh ephemeral key,
// SHA-512 of the shared x coordinate split into an AES-256-CBC key and an
// HMAC-SHA256 key, MAC over iv ‖ compressed ephemeral key ‖ ciphertext.
func EncryptECIES(pub *btcec.PublicKey, plaintext []byte, wasString bool) (*CipherObject, error) {
	eph, err := btcec.NewPrivateKey()
	if err != nil {
		return nil, err
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	return encryptWith(pub, plaintext, wasString, eph, iv)
}

func encryptWith(pub *btcec.PublicKey, plaintext []byte, wasString bool, eph *btcec.PrivateKey, iv []byte) (*CipherObject, error) {
	encKey, macKey := sharedKeys(eph, pub)
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize // PKCS#7
	padded := append(append([]byte(nil), plaintext...), bytesOf(byte(pad), pad)...)
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	ephPub := eph.PubKey().SerializeCompressed()
	return &CipherObject{
		IV:          hex.EncodeToString(iv),
		EphemeralPK: hex.EncodeToString(ephPub),
		CipherText:  hex.EncodeToString(ct),
		MAC:         hex.EncodeToString(mac(macKey, iv, ephPub, ct)),
		WasString:   wasString,
	}, nil
}

// DecryptECIES reverses EncryptECIES with the recipient's key.
func DecryptECIES(priv *btcec.PrivateKey, c *CipherObject) ([]byte, error) {
	iv, err1 := hex.DecodeString(c.IV)
	ephRaw, err2 := hex.DecodeString(c.EphemeralPK)
	var ct []byte
	var err3 error
	if c.CipherTextEncoding == "base64" {
		ct, err3 = base64.StdEncoding.DecodeString(c.CipherText)
	} else {
		ct, err3 = hex.DecodeString(c.CipherText)
	}
	wantMAC, err4 := hex.DecodeString(c.MAC)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	eph, err := btcec.ParsePubKey(ephRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: ephemeral key: %v", ErrDecrypt, err)
	}
	if len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: bad iv or ciphertext length", ErrDecrypt)
	}
	encKey, macKey := sharedKeys(priv, eph)
	// The MAC covers the compressed form even if the sender sent another.
	if !hmac.Equal(wantMAC, mac(macKey, iv, eph.SerializeCompressed(), ct)) {
		return nil, fmt.Errorf("%w: MAC mismatch", ErrDecrypt)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
	}
	return pt[:len(pt)-pad], nil
}

func sharedKeys(priv *btcec.PrivateKey, pub *btcec.PublicKey) (encKey, macKey []byte) {
	var p, r btcec.JacobianPoint
	pub.AsJacobian(&p)
	btcec.ScalarMultNonConst(&priv.Key, &p, &r)
	r.ToAffine()
	x := r.X.Bytes() // 32 bytes, big-endian, zero-padded
	k := sha512.Sum512(x[:])
	return k[:32], k[32:]
}

func mac(key, iv, ephPub, ct []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(iv)
	m.Write(ephPub)
	m.Write(ct)
	return m.Sum(nil)
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
