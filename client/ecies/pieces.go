package ecies

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
)

// source is a cipher text as written in JSON (enc Hex or Base64) or
// already decoded (enc "").
type source struct {
	enc  Encoding
	text []byte
}

func (s source) decodedLen() (int, error) {
	switch s.enc {
	case Hex:
		if len(s.text)%2 != 0 {
			return 0, malformed("cipherText: odd length hex")
		}
		return len(s.text) / 2, nil
	case Base64:
		if len(s.text)%4 != 0 {
			return 0, malformed("cipherText: base64 length %d is not a multiple of 4", len(s.text))
		}
		pad := len(s.text) - len(bytesTrimRight(s.text, '='))
		if pad > 2 {
			return 0, malformed("cipherText: bad base64 padding")
		}
		return len(s.text)/4*3 - pad, nil
	}
	return len(s.text), nil
}

func bytesTrimRight(b []byte, c byte) []byte {
	for len(b) > 0 && b[len(b)-1] == c {
		b = b[:len(b)-1]
	}
	return b
}

// pieces decodes the text and hands it to fn in pieces of chunkSize bytes
// but the last. fn must not keep the slice.
func (s source) pieces(fn func([]byte)) error {
	n, err := s.decodedLen()
	if err != nil {
		return err
	}
	var buf []byte
	if s.enc != "" {
		buf = make([]byte, min(n, chunkSize))
	}
	for off := 0; off < n; off += chunkSize {
		size := min(chunkSize, n-off)
		switch s.enc {
		case "":
			fn(s.text[off : off+size])
			continue
		case Hex:
			if err := decodeHex(buf[:size], s.text[2*off:2*(off+size)]); err != nil {
				return malformed("cipherText: %v", err)
			}
		case Base64:
			// chunkSize is a multiple of 3, so each piece is whole
			// 4-character groups; the count check also catches the line
			// breaks and inner padding encoding/base64 would skip over.
			in := s.text[off/3*4 : min(len(s.text), (off+size+2)/3*4)]
			got, err := base64.StdEncoding.Decode(buf, in)
			if err != nil || got != size {
				return malformed("cipherText: bad base64")
			}
		}
		fn(buf[:size])
	}
	return nil
}

// seal encrypts pt to pub and writes the cipher object's JSON or, with a
// signer, the signed envelope, in one pass over pieces of the text: each
// is encrypted, MACed, encoded into the output and, when signing, hashed,
// so the output is the only large buffer. The signature comes first in
// the envelope but is known last, so the output keeps room for the
// longest header and the header is written right-aligned into it.
func seal(pub *btcec.PublicKey, pt []byte, opts Options, signer *btcec.PrivateKey) ([]byte, error) {
	c, encKey, macKey, err := newHeader(pub, opts)
	if err != nil {
		return nil, err
	}
	ctLen := paddedLen(len(pt))
	if signer == nil {
		out := c.appendPrefix(make([]byte, 0, c.jsonLen(ctLen)))
		c.MAC = encryptPieces(encKey, macKey, c.IV, c.EphemeralPK, pt, func(p []byte) { out = c.appendCipherText(out, p) })
		return c.appendSuffix(out), nil
	}
	pubHex := PublicKeyHex(signer)
	headLen := len(`{"signature":"","publicKey":"","cipherText":"`) + 2*maxDERLen + len(pubHex)
	out := make([]byte, headLen, EncryptedSize(len(pt), c.WasString, true, c.Encoding))
	h := sha256.New()
	prefix := c.appendPrefix(nil)
	h.Write(prefix)
	out = appendEscaped(out, prefix)
	c.MAC = encryptPieces(encKey, macKey, c.IV, c.EphemeralPK, pt, func(p []byte) {
		n := len(out)
		out = c.appendCipherText(out, p) // hex and base64 need no escaping
		h.Write(out[n:])
	})
	suffix := c.appendSuffix(nil)
	h.Write(suffix)
	out = append(appendEscaped(out, suffix), `"}`...)
	head := Signature{Signature: hexString(ecdsa.Sign(signer, h.Sum(nil)).Serialize()), PublicKey: pubHex}.appendHead(nil)
	start := headLen - len(head)
	copy(out[start:], head)
	return slices.Clip(out[start:]), nil
}
