// Package sigv4 reads and verifies AWS Signature Version 4 requests,
// presigned URLs and aws-chunked payloads.
package sigv4

import (
	"net/http"
	"net/url"
	"strings"
)

// Algorithm names and literal payload hashes of Signature Version 4.
const (
	algorithmHMAC   = "AWS4-HMAC-SHA256"
	algorithmECDSA  = "AWS4-ECDSA-P256-SHA256"
	scopeTerminator = "aws4_request"

	// UnsignedPayload is the x-amz-content-sha256 of a request whose body is
	// not covered by the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload is the x-amz-content-sha256 of an aws-chunked body
	// whose chunks are signed.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer is StreamingPayload followed by signed
	// trailing headers.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer is the x-amz-content-sha256 of an
	// aws-chunked body with unsigned chunks and trailing headers.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	// StreamingECDSAPayload is the SigV4a form of StreamingPayload.
	StreamingECDSAPayload = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	// StreamingECDSAPayloadTrailer is the SigV4a form of
	// StreamingPayloadTrailer.
	StreamingECDSAPayloadTrailer = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"

	// emptySHA256 is the hex SHA-256 of no bytes.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Credential is who signed a request and for what: the access key id and
// the credential scope. Region and Service are empty for Signature Version
// 2, which has no scope; Region is empty for SigV4a unless the request names
// exactly one region.
type Credential struct {
	AccessKeyID, Date, Region, Service string
	// Presigned reports that the signature is in the query string.
	Presigned bool
}

// ParseCredential returns the credential of r's signature, from the
// Authorization header (SigV4, SigV4a or SigV2) or the presigned query
// (X-Amz-Credential, or SigV2's AWSAccessKeyId), and whether r carries one
// that parses. It does not verify anything. It is cheap enough for every
// request: the returned strings share r's memory unless the query escapes
// them.
func ParseCredential(r *http.Request) (Credential, bool) {
	if v := r.Header["Authorization"]; len(v) > 0 {
		return parseAuthorizationCredential(v[0], r.Header)
	}
	raw := r.URL.RawQuery
	if raw == "" {
		return Credential{}, false
	}
	if v, ok := rawQueryValue(raw, "X-Amz-Credential"); ok {
		c, ok := splitCredential(v, true)
		if !ok {
			return Credential{}, false
		}
		if c.Region == "" && c.Service != "" {
			if rs, ok := rawQueryValue(raw, "X-Amz-Region-Set"); ok {
				c.Region = singleRegion(unescapeQuery(rs))
			}
		}
		c.Presigned = true
		return c, true
	}
	if v, ok := rawQueryValue(raw, "AWSAccessKeyId"); ok && v != "" {
		return Credential{AccessKeyID: unescapeQuery(v), Presigned: true}, true
	}
	return Credential{}, false
}

// parseAuthorizationCredential reads the credential of an Authorization
// header value.
func parseAuthorizationCredential(v string, h http.Header) (Credential, bool) {
	alg, params, ok := strings.Cut(v, " ")
	if !ok {
		return Credential{}, false
	}
	switch alg {
	case "AWS":
		// SigV2: "AWS AKID:signature".
		akid, _, ok := strings.Cut(strings.TrimLeft(params, " "), ":")
		if !ok || akid == "" {
			return Credential{}, false
		}
		return Credential{AccessKeyID: akid}, true
	case algorithmHMAC, algorithmECDSA:
	default:
		return Credential{}, false
	}
	cred, ok := authParam(params, "Credential")
	if !ok {
		return Credential{}, false
	}
	c, ok := splitCredential(cred, false)
	if !ok {
		return Credential{}, false
	}
	if alg == algorithmECDSA {
		if c.Region != "" {
			// SigV4a scopes have no region.
			return Credential{}, false
		}
		if rs := h["X-Amz-Region-Set"]; len(rs) > 0 {
			c.Region = singleRegion(rs[0])
		}
	} else if c.Region == "" {
		return Credential{}, false
	}
	return c, true
}

// singleRegion returns rs when it names one concrete region (lower-case
// letters, digits and dashes), else "".
func singleRegion(rs string) string {
	rs = strings.TrimSpace(rs)
	if rs == "" {
		return ""
	}
	for i := 0; i < len(rs); i++ {
		if c := rs[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return ""
		}
	}
	return rs
}

// authParam returns the value of name in the comma-separated key=value list
// of an Authorization header, such as Credential in
// "Credential=AKID/…, SignedHeaders=host, Signature=…".
func authParam(params, name string) (string, bool) {
	for params != "" {
		var part string
		part, params, _ = strings.Cut(params, ",")
		part = strings.TrimLeft(part, " ")
		if len(part) > len(name) && part[len(name)] == '=' && part[:len(name)] == name {
			return strings.TrimRight(part[len(name)+1:], " "), true
		}
	}
	return "", false
}

// splitCredential splits AKID/DATE/REGION/SERVICE/aws4_request (SigV4) or
// AKID/DATE/SERVICE/aws4_request (SigV4a). escaped says the value comes from
// a query string, where the slashes may be written %2F.
func splitCredential(v string, escaped bool) (Credential, bool) {
	var parts [5]string
	n := 0
	start := 0
	for i := 0; i < len(v); i++ {
		sep := 0
		if v[i] == '/' {
			sep = 1
		} else if escaped && v[i] == '%' && i+2 < len(v) && v[i+1] == '2' && (v[i+2] == 'F' || v[i+2] == 'f') {
			sep = 3
		}
		if sep == 0 {
			continue
		}
		if n == len(parts)-1 {
			return Credential{}, false
		}
		parts[n] = v[start:i]
		n++
		i += sep - 1
		start = i + 1
	}
	parts[n] = v[start:]
	n++
	if escaped {
		for i := 0; i < n; i++ {
			parts[i] = unescapeQuery(parts[i])
		}
	}
	if parts[n-1] != scopeTerminator || parts[0] == "" {
		return Credential{}, false
	}
	switch n {
	case 5:
		if parts[1] == "" || parts[2] == "" || parts[3] == "" {
			return Credential{}, false
		}
		return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, true
	case 4:
		if parts[1] == "" || parts[2] == "" {
			return Credential{}, false
		}
		return Credential{AccessKeyID: parts[0], Date: parts[1], Service: parts[2]}, true
	}
	return Credential{}, false
}

// rawQueryValue returns the still-escaped value of the first name=value
// pair of the raw query whose name is exactly name.
func rawQueryValue(raw, name string) (string, bool) {
	for raw != "" {
		var pair string
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			pair, raw = raw, ""
		}
		if len(pair) > len(name) && pair[len(name)] == '=' && pair[:len(name)] == name {
			return pair[len(name)+1:], true
		}
		if pair == name {
			return "", true
		}
	}
	return "", false
}

// unescapeQuery decodes a query component ('+' is a space); a component
// with an invalid escape is returned as it is.
func unescapeQuery(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}
