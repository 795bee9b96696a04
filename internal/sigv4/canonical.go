package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// formatAmzDate formats t as X-Amz-Date does.
func formatAmzDate(t time.Time) string { return t.UTC().Format(amzDateFormat) }

// unreserved reports the bytes SigV4 never percent-encodes: RFC 3986's
// unreserved set.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// escape percent-encodes every byte of s outside the unreserved set (and
// '/' too unless keepSlash), with upper-case hex, as SigV4 canonical
// requests require.
func escape(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', digits[c>>4], digits[c&15])
		}
	}
	return string(b)
}

// requestPath returns the path of r exactly as the client sent it, still
// escaped.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if strings.HasPrefix(p, "/") {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return p
	}
	if p = r.URL.EscapedPath(); p == "" {
		return "/"
	}
	return p
}

// canonicalURIs returns the canonical URI of path to try, the SDKs' form
// first. S3 signs the path as sent; every other service escapes the
// already-escaped path once more (so %2F becomes %252F), which is what
// aws-sdk-go-v2 does unless DisableURIPathEscaping is set. The second form,
// when there is one, covers clients that canonicalize differently: S3 paths
// re-escaped from their decoded form, and other services' paths with dot
// segments and repeated slashes removed, as botocore normalizes them.
func canonicalURIs(path string, s3 bool) []string {
	if s3 {
		out := []string{path}
		if decoded, err := url.PathUnescape(path); err == nil {
			if alt := escape(decoded, true); alt != path {
				out = append(out, alt)
			}
		}
		return out
	}
	out := []string{escape(path, true)}
	if norm := normalizePath(path); norm != path {
		out = append(out, escape(norm, true))
	}
	return out
}

// normalizePath removes "." and ".." segments and empty segments from an
// absolute path, keeping a trailing slash.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	n := "/" + strings.Join(out, "/")
	if len(out) > 0 && (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")) {
		n += "/"
	}
	return n
}

// queryParam is one decoded name=value pair of a query string.
type queryParam struct{ name, value string }

// parseQuery splits a raw query into decoded pairs in order. plusIsSpace
// says whether '+' decodes to a space (form encoding) or stays a plus.
func parseQuery(raw string, plusIsSpace bool) []queryParam {
	var out []queryParam
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		out = append(out, queryParam{decodeComponent(name, plusIsSpace), decodeComponent(value, plusIsSpace)})
	}
	return out
}

// decodeComponent percent-decodes a query component; one with an invalid
// escape is kept as it is.
func decodeComponent(s string, plusIsSpace bool) string {
	if !plusIsSpace {
		if strings.IndexByte(s, '%') < 0 {
			return s
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			return s
		}
		return u
	}
	return unescapeQuery(s)
}

// canonicalQuery returns the canonical query string of params: each name
// and value escaped, the pairs sorted by escaped name then escaped value,
// joined with '&'. The parameter named skip (X-Amz-Signature of a
// presigned request) is left out.
func canonicalQuery(params []queryParam, skip string) string {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if skip != "" && p.name == skip {
			continue
		}
		enc = append(enc, queryParam{escape(p.name, false), escape(p.value, false)})
	}
	slices.SortFunc(enc, func(a, b queryParam) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// headerValues returns the values of the lower-case header name as the
// client sent them; net/http moves Host, Content-Length and
// Transfer-Encoding out of Header.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		return []string{r.Host}
	case "content-length":
		if v := r.Header["Content-Length"]; len(v) > 0 {
			return v
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	if v, ok := r.Header[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v
	}
	return r.Header[name]
}

// writeCanonicalHeaders writes "name:value\n" for each signed header, the
// values trimmed, inner runs of spaces collapsed and repeats joined by ','.
func writeCanonicalHeaders(b *strings.Builder, r *http.Request, signed []string) {
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, strings.ToLower(name)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(collapseSpaces(v))
		}
		b.WriteByte('\n')
	}
}

// collapseSpaces trims spaces from both ends of s and turns each inner run
// of spaces into one.
func collapseSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// canonicalRequest assembles the canonical request.
func canonicalRequest(r *http.Request, uri, query string, signed []string, signedHeaders, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	writeCanonicalHeaders(&b, r, signed)
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign returns the SigV4 string to sign for a canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithmHMAC + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// hmacSHA256 returns HMAC-SHA256(key, data).
func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// SigningKey derives the SigV4 signing key of secret for a credential
// scope: HMAC-SHA256 chained over the date, region, service and
// "aws4_request", starting from "AWS4"+secret.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// signatureMatches reports whether the hex signature provided equals the
// HMAC of stringToSign, comparing in constant time.
func signatureMatches(key []byte, sts, provided string) bool {
	want := hmacSHA256(key, sts)
	got := make([]byte, len(want))
	if len(provided) != 2*len(want) {
		return false
	}
	if _, err := hex.Decode(got, []byte(provided)); err != nil {
		return false
	}
	return hmac.Equal(want, got)
}

// isSHA256Hex reports whether s is 64 hex digits.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
