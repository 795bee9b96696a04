package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults of a Verifier's limits.
const (
	// DefaultMaxSkew is how far a header-signed request's time may be from
	// the server's: S3's MaxAllowedSkewMilliseconds is 900000. (IAM's
	// documentation says five minutes for most services; the services
	// observed answer with a 15-minute window.)
	DefaultMaxSkew = 15 * time.Minute
	// DefaultMaxBufferedBody bounds the body Verify reads to hash when a
	// non-S3 request has no X-Amz-Content-Sha256. It exceeds the largest
	// JSON or query request AWS accepts (Lambda's 50 MB zip, base64).
	DefaultMaxBufferedBody = 96 << 20
	// maxPresignExpires is S3's limit on X-Amz-Expires: seven days.
	maxPresignExpires = 7 * 24 * 60 * 60
)

// Verifier checks Signature Version 4 signatures against the secrets it
// looks up. The zero value with Secret set is ready to use.
type Verifier struct {
	// Secret returns the secret access key of an access key id, and
	// whether the id is known.
	Secret func(accessKeyID string) (secret string, ok bool)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Dialect picks the error codes for the service named in the
	// credential scope ("" when the request has none); nil means
	// DefaultDialect.
	Dialect func(service string) Dialect
	// MaxSkew is the allowed distance between a request's time and Now;
	// zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// MaxBufferedBody bounds the body Verify buffers to hash (see
	// DefaultMaxBufferedBody); zero means the default.
	MaxBufferedBody int64
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) dialect(service string) Dialect {
	if v.Dialect != nil {
		return v.Dialect(service)
	}
	return DefaultDialect(service)
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// Verify checks r's signature, from the Authorization header or a
// presigned query string, and returns nil or an *Error with AWS's code,
// message and status for the service named in the credential scope.
//
// Verify may replace r.Body. When the client signed a hex
// X-Amz-Content-Sha256, the new body hashes what it reads and fails at EOF
// with XAmzContentSHA256Mismatch (S3) or a signature error (other services)
// if the hashes differ, so the body still streams; read it to EOF before
// acting on it. When a non-S3 request has no X-Amz-Content-Sha256, Verify
// reads the body (up to MaxBufferedBody) to hash it and replaces it with the
// buffered copy. aws-chunked bodies (X-Amz-Content-Sha256 STREAMING-*) are
// not touched: Verify checks the seed signature only, and the caller
// decodes the body with NewChunkedReader using ChunkSeed.
//
// Verify does not check that the credential's region and service match the
// endpoint; the gateway does that.
func (v *Verifier) Verify(r *http.Request) error {
	if auth := r.Header["Authorization"]; len(auth) > 0 {
		if hasPresignParams(r.URL.RawQuery) {
			d := v.dialect(credentialService(r))
			if d == DialectS3 {
				return &Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
					Message: "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
					Fields:  []Field{{"ArgumentName", "Authorization"}, {"ArgumentValue", auth[0]}}}
			}
			return incomplete(d, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
		}
		return v.verifyHeader(r, auth[0])
	}
	if hasPresignParams(r.URL.RawQuery) {
		return v.verifyQuery(r)
	}
	if _, ok := rawQueryValue(r.URL.RawQuery, "AWSAccessKeyId"); ok {
		return &Error{Code: "InvalidRequest", Message: msgSigV2, Status: http.StatusBadRequest}
	}
	return missingAuthentication(v.dialect(""))
}

// hasPresignParams reports whether a raw query carries SigV4 query
// authentication.
func hasPresignParams(raw string) bool {
	if raw == "" {
		return false
	}
	for _, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"} {
		if _, ok := rawQueryValue(raw, name); ok {
			return true
		}
	}
	return false
}

// credentialService returns the service of r's credential scope as far as
// it can be read, for choosing an error dialect.
func credentialService(r *http.Request) string {
	c, _ := ParseCredential(r)
	return c.Service
}

// looseService returns the fourth slash-separated field of a credential
// that failed to parse, so that its error can still be worded for the
// service it names.
func looseService(cred string) string {
	cred = strings.ReplaceAll(strings.ReplaceAll(cred, "%2F", "/"), "%2f", "/")
	parts := strings.Split(cred, "/")
	if len(parts) >= 5 {
		return parts[3]
	}
	return ""
}

// headerAuth is a parsed Authorization header with the request time.
type headerAuth struct {
	cred          Credential
	signedHeaders string
	signed        []string
	signature     string
	amzDate       string
	time          time.Time
	dialect       Dialect
}

// parseHeaderAuth parses r's SigV4 Authorization header and its request
// time.
func (v *Verifier) parseHeaderAuth(r *http.Request, value string) (*headerAuth, *Error) {
	alg, params, _ := strings.Cut(value, " ")
	credValue, hasCred := authParam(params, "Credential")
	d := v.dialect(looseService(credValue))
	switch alg {
	case algorithmHMAC:
	case "AWS":
		return nil, &Error{Code: "InvalidRequest", Message: msgSigV2, Status: http.StatusBadRequest}
	case algorithmECDSA:
		return nil, sigV4aNotImplemented()
	default:
		if d == DialectS3 {
			return nil, &Error{Code: "InvalidArgument", Message: "Unsupported Authorization Type", Status: http.StatusBadRequest,
				Fields: []Field{{"ArgumentName", "Authorization"}, {"ArgumentValue", value}}}
		}
		return nil, incomplete(d, "Unsupported Authorization Type. Authorization="+value)
	}
	signedHeaders, hasSigned := authParam(params, "SignedHeaders")
	signature, hasSig := authParam(params, "Signature")
	if !hasCred || !hasSigned || !hasSig {
		if d == DialectS3 {
			return nil, headerMalformedS3("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
		}
		var msg strings.Builder
		for _, p := range [...]struct {
			name string
			ok   bool
		}{{"Credential", hasCred}, {"Signature", hasSig}, {"SignedHeaders", hasSigned}} {
			if !p.ok {
				msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
			}
		}
		msg.WriteString("Authorization=" + value)
		return nil, incomplete(d, msg.String())
	}
	cred, ok := splitCredential(credValue, false)
	if !ok || cred.Region == "" {
		return nil, malformedCredential(d, credValue, false)
	}
	a := &headerAuth{
		cred:          cred,
		signedHeaders: signedHeaders,
		signed:        strings.Split(signedHeaders, ";"),
		signature:     signature,
		dialect:       d,
	}
	if amz := r.Header.Get("X-Amz-Date"); amz != "" {
		t, err := time.Parse(amzDateFormat, amz)
		if err != nil {
			return nil, missingDate(d, value)
		}
		a.amzDate, a.time = amz, t
	} else if date := r.Header.Get("Date"); date != "" {
		t, err := http.ParseTime(date)
		if err != nil {
			return nil, missingDate(d, value)
		}
		a.amzDate, a.time = formatAmzDate(t), t
	} else {
		return nil, missingDate(d, value)
	}
	if cred.Date != a.amzDate[:8] {
		if d == DialectS3 {
			return nil, headerMalformedS3("Invalid credential date. Date is not the same as X-Amz-Date.")
		}
		return nil, credentialDateMismatch(d, cred.Date, a.amzDate)
	}
	return a, nil
}

// sigV4aNotImplemented answers SigV4a signatures, which Virga reads but
// does not verify.
func sigV4aNotImplemented() *Error {
	return &Error{Code: "NotImplemented", Status: http.StatusNotImplemented,
		Message: "Virga does not verify AWS4-ECDSA-P256-SHA256 (SigV4a) signatures; sign with AWS4-HMAC-SHA256 or turn signature checking off."}
}

// malformedCredential is the error for a Credential that is not
// AKID/DATE/REGION/SERVICE/aws4_request.
func malformedCredential(d Dialect, cred string, presigned bool) *Error {
	if d == DialectS3 {
		if presigned {
			return queryParamsS3("Error parsing the X-Amz-Credential parameter; " + msgCredentialS3)
		}
		return headerMalformedS3(msgCredentialS3)
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 && parts[4] != scopeTerminator {
		return incomplete(d, "Credential should be scoped with a valid terminator: 'aws4_request', not '"+parts[4]+"'.")
	}
	return incomplete(d, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+cred+"'")
}

// missingDate is the error for a header-signed request without a usable
// X-Amz-Date or Date.
func missingDate(d Dialect, auth string) *Error {
	if d == DialectS3 {
		return &Error{Code: "AccessDenied", Message: "AWS authentication requires a valid Date or x-amz-date header", Status: http.StatusForbidden}
	}
	return incomplete(d, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization="+auth)
}

// credentialDateMismatch is the error outside S3 for a credential scope
// whose date is not the request's.
func credentialDateMismatch(d Dialect, credDate, amzDate string) *Error {
	return signatureError(d, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
		credDate+"' != '"+amzDate[:8]+"', from '"+amzDate+"'.")
}

// verifyHeader verifies a request signed in its Authorization header.
func (v *Verifier) verifyHeader(r *http.Request, value string) error {
	a, e := v.parseHeaderAuth(r, value)
	if e != nil {
		return e
	}
	d := a.dialect
	secret, ok := v.lookup(a.cred.AccessKeyID)
	if !ok {
		return unknownKey(d, a.cred.AccessKeyID)
	}
	now := v.now()
	if skew := v.maxSkew(); a.time.Sub(now).Abs() > skew {
		return tooSkewed(d, a.amzDate, a.time, now, skew)
	}
	payload, bodyCheck, err := v.payloadHash(r, d, false)
	if err != nil {
		return err
	}
	key := SigningKey(secret, a.cred.Date, a.cred.Region, a.cred.Service)
	scope := a.cred.Date + "/" + a.cred.Region + "/" + a.cred.Service + "/" + scopeTerminator
	if e := v.check(r, d, key, a.amzDate, scope, a.signed, a.signedHeaders, payload, a.signature, "", a.cred.AccessKeyID); e != nil {
		return e
	}
	if bodyCheck {
		r.Body = newContentSHA256Reader(r.Body, payload, d)
	}
	return nil
}

func (v *Verifier) lookup(accessKeyID string) (string, bool) {
	if v.Secret == nil {
		return "", false
	}
	return v.Secret(accessKeyID)
}

// payloadHash returns the payload hash the canonical request ends with, and
// whether the body must be checked against it while it is read.
func (v *Verifier) payloadHash(r *http.Request, d Dialect, presigned bool) (string, bool, error) {
	h := r.Header.Get("X-Amz-Content-Sha256")
	if h == "" && presigned {
		if q, ok := rawQueryValue(r.URL.RawQuery, "X-Amz-Content-Sha256"); ok {
			h = unescapeQuery(q)
		}
	}
	switch {
	case h == UnsignedPayload, h == StreamingPayload, h == StreamingPayloadTrailer,
		h == StreamingUnsignedPayloadTrailer, h == StreamingECDSAPayload, h == StreamingECDSAPayloadTrailer:
		return h, false, nil
	case isSHA256Hex(h):
		return h, true, nil
	case h != "":
		if d == DialectS3 {
			return "", false, invalidContentSHA256(h)
		}
		// Other services sign whatever the client put there.
		return h, false, nil
	}
	if d == DialectS3 {
		if presigned {
			return UnsignedPayload, false, nil
		}
		return "", false, &Error{Code: "InvalidRequest", Message: "Missing required header for this request: x-amz-content-sha256", Status: http.StatusBadRequest}
	}
	sum, err := v.bufferBody(r)
	return sum, false, err
}

// bufferBody reads r's body (bounded), replaces it with the buffered copy
// and returns its hex SHA-256.
func (v *Verifier) bufferBody(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	limit := v.MaxBufferedBody
	if limit <= 0 {
		limit = DefaultMaxBufferedBody
	}
	orig := r.Body
	buf, err := io.ReadAll(io.LimitReader(orig, limit+1))
	r.Body = &bufferedBody{Reader: bytes.NewReader(buf), orig: orig}
	if err != nil {
		return "", err
	}
	if int64(len(buf)) > limit {
		return "", &Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
			Message: "The request body is larger than the " + strconv.FormatInt(limit, 10) + " bytes Virga reads to check its signature; send X-Amz-Content-Sha256."}
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:]), nil
}

// bufferedBody is a request body Verify read into memory; closing it closes
// the original.
type bufferedBody struct {
	*bytes.Reader
	orig io.ReadCloser
}

func (b *bufferedBody) Close() error { return b.orig.Close() }

// check computes the signature of r under each canonical form clients use
// and reports a mismatch with the first (the SDKs') form.
func (v *Verifier) check(r *http.Request, d Dialect, key []byte, amzDate, scope string, signed []string, signedHeaders, payload, provided, skipParam, accessKeyID string) *Error {
	uris := canonicalURIs(requestPath(r), d == DialectS3)
	queries := []string{canonicalQuery(parseQuery(r.URL.RawQuery, true), skipParam)}
	if strings.IndexByte(r.URL.RawQuery, '+') >= 0 {
		queries = append(queries, canonicalQuery(parseQuery(r.URL.RawQuery, false), skipParam))
	}
	var firstCanonical, firstSTS string
	for _, uri := range uris {
		for _, query := range queries {
			canonical := canonicalRequest(r, uri, query, signed, signedHeaders, payload)
			sts := stringToSign(amzDate, scope, canonical)
			if signatureMatches(key, sts, provided) {
				return nil
			}
			if firstCanonical == "" {
				firstCanonical, firstSTS = canonical, sts
			}
		}
	}
	return signatureMismatch(d, accessKeyID, provided, firstCanonical, firstSTS)
}

// verifyQuery verifies a presigned request.
func (v *Verifier) verifyQuery(r *http.Request) error {
	params := parseQuery(r.URL.RawQuery, true)
	get := func(name string) (string, bool) {
		for _, p := range params {
			if p.name == name {
				return p.value, true
			}
		}
		return "", false
	}
	alg, hasAlg := get("X-Amz-Algorithm")
	credValue, hasCred := get("X-Amz-Credential")
	amzDate, hasDate := get("X-Amz-Date")
	signedHeaders, hasSigned := get("X-Amz-SignedHeaders")
	signature, hasSig := get("X-Amz-Signature")
	expiresValue, hasExpires := get("X-Amz-Expires")
	d := v.dialect(looseService(credValue))
	s3 := d == DialectS3
	if !hasAlg || !hasCred || !hasDate || !hasSigned || !hasSig || s3 && !hasExpires {
		if s3 {
			return queryParamsS3(msgQueryParamsS3)
		}
		return incomplete(d, "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders' and 'X-Amz-Signature'. Re-examine the query-string parameters.")
	}
	switch alg {
	case algorithmHMAC:
	case algorithmECDSA:
		return sigV4aNotImplemented()
	default:
		if s3 {
			return queryParamsS3(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256" and "AWS4-ECDSA-P256-SHA256"`)
		}
		return incomplete(d, "Unsupported X-Amz-Algorithm '"+alg+"'.")
	}
	cred, ok := splitCredential(credValue, false)
	if !ok || cred.Region == "" {
		return malformedCredential(d, credValue, true)
	}
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		if s3 {
			return queryParamsS3(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
		}
		return incomplete(d, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
	}
	if cred.Date != amzDate[:8] {
		if s3 {
			return queryParamsS3("Error parsing the X-Amz-Credential parameter; the date " + cred.Date + " is not the date of X-Amz-Date " + amzDate + ".")
		}
		return credentialDateMismatch(d, cred.Date, amzDate)
	}
	var expires int64 = -1
	if hasExpires {
		n, err := strconv.ParseInt(expiresValue, 10, 64)
		switch {
		case err != nil:
			if s3 {
				return queryParamsS3("X-Amz-Expires should be a number")
			}
			return incomplete(d, "X-Amz-Expires should be a number.")
		case n < 0:
			if s3 {
				return queryParamsS3("X-Amz-Expires must be non-negative")
			}
			return incomplete(d, "X-Amz-Expires must be non-negative.")
		case n > maxPresignExpires && s3:
			return queryParamsS3("X-Amz-Expires must be less than a week (in seconds) that is, the given X-Amz-Expires must be less than 604800 seconds")
		}
		expires = n
	}
	secret, ok := v.lookup(cred.AccessKeyID)
	if !ok {
		return unknownKey(d, cred.AccessKeyID)
	}
	now := v.now()
	skew := v.maxSkew()
	if expires >= 0 {
		deadline := t.Add(time.Duration(expires) * time.Second)
		if now.After(deadline) {
			if s3 {
				return &Error{Code: "AccessDenied", Message: msgExpiredS3, Status: http.StatusForbidden, Fields: []Field{
					{"X-Amz-Expires", expiresValue},
					{"Expires", deadline.UTC().Format(time.RFC3339)},
					{"ServerTime", now.UTC().Format(time.RFC3339)},
				}}
			}
			return signatureError(d, "Signature expired: "+amzDate+" is now earlier than "+
				formatAmzDate(now.Add(-time.Duration(expires)*time.Second))+" ("+formatAmzDate(now)+" - "+expiresValue+" sec.)")
		}
		if t.Sub(now) > skew {
			if s3 {
				return &Error{Code: "AccessDenied", Message: msgNotYetValidS3, Status: http.StatusForbidden, Fields: []Field{
					{"X-Amz-Date", amzDate},
					{"Expires", deadline.UTC().Format(time.RFC3339)},
					{"ServerTime", now.UTC().Format(time.RFC3339)},
				}}
			}
			return tooSkewed(d, amzDate, t, now, skew)
		}
	} else if t.Sub(now).Abs() > skew {
		return tooSkewed(d, amzDate, t, now, skew)
	}
	payload, bodyCheck, err := v.payloadHash(r, d, true)
	if err != nil {
		return err
	}
	key := SigningKey(secret, cred.Date, cred.Region, cred.Service)
	scope := cred.Date + "/" + cred.Region + "/" + cred.Service + "/" + scopeTerminator
	if e := v.check(r, d, key, amzDate, scope, strings.Split(signedHeaders, ";"), signedHeaders, payload, signature, "X-Amz-Signature", cred.AccessKeyID); e != nil {
		return e
	}
	if bodyCheck {
		r.Body = newContentSHA256Reader(r.Body, payload, d)
	}
	return nil
}

// ChunkSeed is what verifying the chunk signatures of an aws-chunked body
// needs from its request: the signing key, the request's (seed) signature,
// the credential scope and the request time.
type ChunkSeed struct {
	SigningKey []byte
	Signature  string
	Scope      string
	Date       string
}

// ChunkSeed returns the seed for verifying the chunks of r's aws-chunked
// body. Call it after Verify accepted r. It returns nil and no error when
// the body's chunks carry no signature to check (STREAMING-UNSIGNED-
// PAYLOAD-TRAILER and the SigV4a forms), and an error when r is not a
// header-signed streaming request.
func (v *Verifier) ChunkSeed(r *http.Request) (*ChunkSeed, error) {
	switch r.Header.Get("X-Amz-Content-Sha256") {
	case StreamingPayload, StreamingPayloadTrailer:
	case StreamingUnsignedPayloadTrailer, StreamingECDSAPayload, StreamingECDSAPayloadTrailer:
		return nil, nil
	default:
		return nil, &Error{Code: "InvalidRequest", Status: http.StatusBadRequest,
			Message: "The request does not have a signed aws-chunked payload (x-amz-content-sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD)."}
	}
	auth := r.Header["Authorization"]
	if len(auth) == 0 {
		return nil, &Error{Code: "InvalidRequest", Status: http.StatusBadRequest,
			Message: "A signed aws-chunked payload requires the Authorization header."}
	}
	a, e := v.parseHeaderAuth(r, auth[0])
	if e != nil {
		return nil, e
	}
	secret, ok := v.lookup(a.cred.AccessKeyID)
	if !ok {
		return nil, unknownKey(a.dialect, a.cred.AccessKeyID)
	}
	return &ChunkSeed{
		SigningKey: SigningKey(secret, a.cred.Date, a.cred.Region, a.cred.Service),
		Signature:  strings.ToLower(a.signature),
		Scope:      a.cred.Date + "/" + a.cred.Region + "/" + a.cred.Service + "/" + scopeTerminator,
		Date:       a.amzDate,
	}, nil
}

// NewContentSHA256Reader wraps body so that reading it to EOF fails with
// S3's XAmzContentSHA256Mismatch when the SHA-256 of what was read is not
// contentSHA256 (64 hex digits). The data is passed through as it arrives;
// only EOF waits for the check.
func NewContentSHA256Reader(body io.ReadCloser, contentSHA256 string) io.ReadCloser {
	return newContentSHA256Reader(body, contentSHA256, DialectS3)
}

func newContentSHA256Reader(body io.ReadCloser, contentSHA256 string, d Dialect) io.ReadCloser {
	if body == nil {
		body = http.NoBody
	}
	return &contentSHA256Reader{body: body, hash: sha256.New(), want: strings.ToLower(contentSHA256), dialect: d}
}

// contentSHA256Reader checks a body against its signed SHA-256 at EOF.
type contentSHA256Reader struct {
	body    io.ReadCloser
	hash    hash.Hash
	want    string
	dialect Dialect
	err     error
}

func (c *contentSHA256Reader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.body.Read(p)
	c.hash.Write(p[:n])
	if err == io.EOF {
		var buf [sha256.Size]byte
		if got := hex.EncodeToString(c.hash.Sum(buf[:0])); got != c.want {
			c.err = contentSHA256Mismatch(c.dialect, c.want, got)
			return n, c.err
		}
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

func (c *contentSHA256Reader) Close() error { return c.body.Close() }
