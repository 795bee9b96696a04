package checksum

import (
	"crypto/md5"
	"encoding/base64"
	"testing"
)

// FuzzDeclare feeds arbitrary integrity headers and bodies to Declare and
// VerifyBytes: they must never panic, every refusal must be a 400 (or the
// 501 of an algorithm Virga cannot compute), and a body sent with its own
// correct Content-MD5 and checksum must pass.
func FuzzDeclare(f *testing.F) {
	f.Add("CRC32", "", uint8(0), "AAAAAA==", []byte("<Delete/>"), "")
	f.Add("", "1B2M2Y8AsgTpgAmY7PhCfg==", uint8(3), "", []byte(""), "")
	f.Add("sha256", "x", uint8(4), "short", []byte("body"), "trailer")
	f.Add("XXHASH64", "", uint8(9), "", []byte{0, 1, 2}, "")
	f.Fuzz(func(t *testing.T, alg, contentMD5 string, which uint8, value string, body []byte, trailer string) {
		a := declarable[int(which)%len(declarable)]
		var algp, md5p *string
		if alg != "" {
			algp = &alg
		}
		if contentMD5 != "" {
			md5p = &contentMD5
		}
		values := func(x Algorithm) *string {
			if x == a && value != "" {
				return &value
			}
			return nil
		}
		d, err := Declare(algp, md5p, values)
		if err == nil {
			err = d.VerifyBytes(body, func(Algorithm) string { return trailer })
		}
		if err != nil && err.Status != 400 && err.Status != 501 {
			t.Fatalf("status %d: %v", err.Status, err)
		}

		sum := md5.Sum(body)
		set, _ := NewSet(a)
		set.Write(body)
		good, _ := set.Base64(a)
		goodMD5 := base64.StdEncoding.EncodeToString(sum[:])
		d, err = Declare(nil, &goodMD5, func(x Algorithm) *string {
			if x == a {
				return &good
			}
			return nil
		})
		if err == nil {
			err = d.VerifyBytes(body, func(Algorithm) string { return "" })
		}
		if err != nil {
			t.Fatalf("correct %s and Content-MD5 refused: %v", a, err)
		}
	})
}
