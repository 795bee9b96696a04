package sigv4

import (
	"net/http"
	"strconv"
	"time"
)

// Error is an authentication failure as AWS reports it: the error code, the
// message and the HTTP status the service answers with.
type Error struct {
	Code    string
	Message string
	Status  int
	// Fields are the extra members S3 adds to its Error document, such as
	// AWSAccessKeyId, StringToSign and CanonicalRequest on
	// SignatureDoesNotMatch, in the order S3 writes them. Other services
	// send none.
	Fields []Field
}

// Field is one extra member of an S3 Error document.
type Field struct {
	Name, Value string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Dialect is the family of error codes a service answers authentication
// failures with. The wording differs between S3, the query-protocol
// services (SQS, SNS, STS, IAM, EC2 …), the JSON-protocol services
// (DynamoDB, Kinesis …) and the REST-JSON services (Lambda …).
type Dialect int

// The dialects.
const (
	// DialectQuery: SignatureDoesNotMatch, InvalidClientTokenId,
	// IncompleteSignature and MissingAuthenticationToken.
	DialectQuery Dialect = iota
	// DialectS3: S3's codes and messages, with S3's extra Error members.
	DialectS3
	// DialectJSON: InvalidSignatureException, UnrecognizedClientException,
	// IncompleteSignatureException and MissingAuthenticationTokenException,
	// all with status 400 as DynamoDB sends them.
	DialectJSON
	// DialectRESTJSON: the JSON dialect's codes with status 403, as Lambda
	// sends them.
	DialectRESTJSON
)

// DefaultDialect returns DialectS3 for S3's signing names and DialectQuery
// for every other service.
func DefaultDialect(service string) Dialect {
	switch service {
	case "s3", "s3-object-lambda", "s3express":
		return DialectS3
	}
	return DialectQuery
}

// Messages AWS sends. Those marked "unconfirmed" follow the shape of AWS's
// answers but could not be checked against a recorded AWS response.
const (
	msgSignatureS3      = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgSignatureGeneric = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgUnknownKeyS3     = "The AWS Access Key Id you provided does not exist in our records."
	msgUnknownKey       = "The security token included in the request is invalid."
	msgSkewedS3         = "The difference between the request time and the current time is too large."
	msgExpiredS3        = "Request has expired"
	msgNotYetValidS3    = "Request is not yet valid"
	msgContentSHA256    = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgBadContentSHA256 = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
	msgIncompleteBody   = "The request body terminated unexpectedly"
	msgChunkSize        = "Only the last chunk is allowed to have a size less than 8192 bytes"
	// msgSigV2 is unconfirmed beyond the model's "Please use AWS4-HMAC-SHA256."
	msgSigV2 = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
	// Unconfirmed.
	msgQueryParamsS3 = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	// Unconfirmed.
	msgCredentialS3 = "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
)

// signatureMismatch is the error for a signature that does not verify.
// canonical and stringToSign are what Virga computed; AWS shows them so a
// client author can see where the two sides differ.
func signatureMismatch(d Dialect, accessKeyID, provided, canonical, stringToSign string) *Error {
	switch d {
	case DialectS3:
		return &Error{Code: "SignatureDoesNotMatch", Message: msgSignatureS3, Status: http.StatusForbidden, Fields: []Field{
			{"AWSAccessKeyId", accessKeyID},
			{"StringToSign", stringToSign},
			{"SignatureProvided", provided},
			{"StringToSignBytes", spacedHex(stringToSign)},
			{"CanonicalRequest", canonical},
			{"CanonicalRequestBytes", spacedHex(canonical)},
		}}
	}
	msg := msgSignatureGeneric
	if canonical != "" {
		msg += "\n\nThe Canonical String for this request should have been\n'" + canonical +
			"'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n"
	}
	return signatureError(d, msg)
}

// signatureError is the dialect's signature failure with message msg.
func signatureError(d Dialect, msg string) *Error {
	switch d {
	case DialectS3:
		return &Error{Code: "SignatureDoesNotMatch", Message: msg, Status: http.StatusForbidden}
	case DialectJSON:
		return &Error{Code: "InvalidSignatureException", Message: msg, Status: http.StatusBadRequest}
	case DialectRESTJSON:
		return &Error{Code: "InvalidSignatureException", Message: msg, Status: http.StatusForbidden}
	}
	return &Error{Code: "SignatureDoesNotMatch", Message: msg, Status: http.StatusForbidden}
}

// unknownKey is the error for an access key id Virga does not know.
func unknownKey(d Dialect, accessKeyID string) *Error {
	switch d {
	case DialectS3:
		return &Error{Code: "InvalidAccessKeyId", Message: msgUnknownKeyS3, Status: http.StatusForbidden,
			Fields: []Field{{"AWSAccessKeyId", accessKeyID}}}
	case DialectJSON:
		return &Error{Code: "UnrecognizedClientException", Message: msgUnknownKey, Status: http.StatusBadRequest}
	case DialectRESTJSON:
		return &Error{Code: "UnrecognizedClientException", Message: msgUnknownKey, Status: http.StatusForbidden}
	}
	return &Error{Code: "InvalidClientTokenId", Message: msgUnknownKey, Status: http.StatusForbidden}
}

// incomplete is the error for a malformed Authorization header or
// presigned query outside S3.
func incomplete(d Dialect, msg string) *Error {
	switch d {
	case DialectJSON, DialectRESTJSON:
		return &Error{Code: "IncompleteSignatureException", Message: msg, Status: http.StatusBadRequest}
	}
	return &Error{Code: "IncompleteSignature", Message: msg, Status: http.StatusBadRequest}
}

// missingAuthentication is the error for a request that carries no
// signature at all.
func missingAuthentication(d Dialect) *Error {
	switch d {
	case DialectS3:
		return &Error{Code: "AccessDenied", Message: "Access Denied", Status: http.StatusForbidden}
	case DialectJSON:
		return &Error{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusBadRequest}
	case DialectRESTJSON:
		return &Error{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusForbidden}
	}
	return &Error{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Status: http.StatusForbidden}
}

// headerMalformedS3 is S3's AuthorizationHeaderMalformed.
func headerMalformedS3(detail string) *Error {
	return &Error{Code: "AuthorizationHeaderMalformed", Message: "The authorization header is malformed; " + detail, Status: http.StatusBadRequest}
}

// queryParamsS3 is S3's AuthorizationQueryParametersError.
func queryParamsS3(msg string) *Error {
	return &Error{Code: "AuthorizationQueryParametersError", Message: msg, Status: http.StatusBadRequest}
}

// tooSkewed is the error for a header-signed request whose time is more
// than the allowed skew away from now.
func tooSkewed(d Dialect, requestTime string, signed, now time.Time, skew time.Duration) *Error {
	if d == DialectS3 {
		return &Error{Code: "RequestTimeTooSkewed", Message: msgSkewedS3, Status: http.StatusForbidden, Fields: []Field{
			{"RequestTime", requestTime},
			{"ServerTime", now.UTC().Format(time.RFC3339)},
			{"MaxAllowedSkewMilliseconds", strconv.FormatInt(skew.Milliseconds(), 10)},
		}}
	}
	minutes := strconv.FormatInt(int64(skew/time.Minute), 10)
	if signed.Before(now) {
		return signatureError(d, "Signature expired: "+formatAmzDate(signed)+" is now earlier than "+
			formatAmzDate(now.Add(-skew))+" ("+formatAmzDate(now)+" - "+minutes+" min.)")
	}
	return signatureError(d, "Signature not yet current: "+formatAmzDate(signed)+" is still later than "+
		formatAmzDate(now.Add(skew))+" ("+formatAmzDate(now)+" + "+minutes+" min.)")
}

// contentSHA256Mismatch is the error for a body whose SHA-256 is not the
// x-amz-content-sha256 the client signed.
func contentSHA256Mismatch(d Dialect, claimed, computed string) *Error {
	if d != DialectS3 {
		return signatureError(d, msgSignatureGeneric)
	}
	return &Error{Code: "XAmzContentSHA256Mismatch", Message: msgContentSHA256, Status: http.StatusBadRequest, Fields: []Field{
		{"ClientComputedContentSHA256", claimed},
		{"S3ComputedContentSHA256", computed},
	}}
}

// invalidContentSHA256 is S3's answer to an x-amz-content-sha256 value that
// is neither a known literal nor a SHA-256.
func invalidContentSHA256(value string) *Error {
	return &Error{Code: "InvalidArgument", Message: msgBadContentSHA256, Status: http.StatusBadRequest, Fields: []Field{
		{"ArgumentName", "x-amz-content-sha256"},
		{"ArgumentValue", value},
	}}
}

// incompleteBody is S3's answer to aws-chunked framing that is malformed or
// ends early.
func incompleteBody() *Error {
	return &Error{Code: "IncompleteBody", Message: msgIncompleteBody, Status: http.StatusBadRequest}
}

// spacedHex returns s's bytes as two-digit lower-case hex separated by
// spaces, S3's StringToSignBytes form.
func spacedHex(s string) string {
	const digits = "0123456789abcdef"
	if s == "" {
		return ""
	}
	b := make([]byte, 0, 3*len(s)-1)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(b)
}
