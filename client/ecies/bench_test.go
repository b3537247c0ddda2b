package ecies

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// cpuClock reads the process's user and system CPU time (all threads, so
// the garbage collector's share counts too), which is what the target is
// about; ns/op is wall time on however many cores.
type cpuClock struct{ user, sys time.Duration }

func readCPU() cpuClock {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return cpuClock{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}

func startCPU() cpuClock { return readCPU() }

func (c cpuClock) report(b *testing.B) {
	now := readCPU()
	n := float64(b.N)
	b.ReportMetric((now.user-c.user+now.sys-c.sys).Seconds()/n, "cpu-s/op")
	b.ReportMetric((now.sys-c.sys).Seconds()/n, "sys-s/op")
}

// BenchmarkEnvelope measures encrypt+sign and verify+decrypt of 1 MiB and
// 100 MiB in both cipher text encodings (issue 8's target: at most 0.5 s
// of CPU per 100 MiB each way). It reports the envelope's size overhead
// over the plain text as overhead-%.
func BenchmarkEnvelope(b *testing.B) {
	priv, pub := testKeys(b)
	signer, _ := btcec.NewPrivateKey()
	addr := gaiaauth.AddressFromKey(signer)
	for _, size := range []int{1 << 20, 100 << 20} {
		pt := make([]byte, size)
		rand.Read(pt)
		for _, enc := range []Encoding{Hex, Base64} {
			opts := Options{Encoding: enc}
			env, err := EncryptAndSign(pub, signer, pt, opts)
			if err != nil {
				b.Fatal(err)
			}
			overhead := 100 * float64(len(env)-size) / float64(size)
			name := fmt.Sprintf("%dMiB/%s", size>>20, enc)
			if enc == Hex {
				benchFloor(b, size, pt)
			}
			b.Run("EncryptSign/"+name, func(b *testing.B) {
				b.SetBytes(int64(size))
				cpu := startCPU()
				for b.Loop() {
					if _, err := EncryptAndSign(pub, signer, pt, opts); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
				b.ReportMetric(overhead, "overhead-%")
			})
			b.Run("VerifyDecrypt/"+name, func(b *testing.B) {
				b.SetBytes(int64(size))
				cpu := startCPU()
				for b.Loop() {
					if _, _, err := VerifyAndDecrypt(priv, env, addr); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
				b.ReportMetric(overhead, "overhead-%")
			})
			b.Run("VerifyDecryptTo/"+name, func(b *testing.B) {
				b.SetBytes(int64(size))
				cpu := startCPU()
				for b.Loop() {
					if _, err := VerifyAndDecryptTo(io.Discard, priv, env, addr); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
				b.ReportMetric(overhead, "overhead-%")
			})
		}
	}
}

// benchFloor is the baseline measured in the same run: the AES-256-CBC and
// HMAC-SHA256 passes over the plain text that any implementation of this
// format must make, through the standard library into a reused buffer,
// with no encoding, JSON, signature or allocation.
func benchFloor(b *testing.B, size int, pt []byte) {
	key := make([]byte, 32)
	iv := make([]byte, 16)
	block, _ := aes.NewCipher(key)
	buf := make([]byte, size)
	name := fmt.Sprintf("%dMiB", size>>20)
	b.Run("Floor/EncryptMAC/"+name, func(b *testing.B) {
		b.SetBytes(int64(size))
		cpu := startCPU()
		for b.Loop() {
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, pt)
			m := hmac.New(sha256.New, key)
			m.Write(buf)
			m.Sum(nil)
		}
		cpu.report(b)
	})
	b.Run("Floor/MACDecrypt/"+name, func(b *testing.B) {
		b.SetBytes(int64(size))
		cpu := startCPU()
		for b.Loop() {
			m := hmac.New(sha256.New, key)
			m.Write(pt)
			m.Sum(nil)
			cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, pt)
		}
		cpu.report(b)
	})
}
