// Package awserr defines the error value handlers return and codecs encode
// in each protocol's error format.
package awserr

import (
	"fmt"
	"net/http"
)

// Error is an AWS error response. Handlers return it (usually through the
// constructors generated from the model's error shapes); protocol codecs
// encode it as JSON __type, query ErrorResponse, EC2 Response/Errors or S3
// Error documents.
type Error struct {
	// Code is the error's name as JSON and REST protocols send it: the
	// modeled error shape's name, or an unmodeled code such as
	// "ValidationException".
	Code string
	// QueryCode is the code the query protocols send and that
	// awsQueryCompatible JSON services put in x-amzn-query-error; empty
	// means Code.
	QueryCode string
	// Message is the human-readable message.
	Message string
	// Status is the HTTP status code.
	Status int
	// Sender is true for client faults (query Type "Sender") and false for
	// server faults ("Receiver").
	Sender bool
	// Fields holds extra members of the error document, such as S3's
	// BucketName or DynamoDB's CancellationReasons, keyed by member name.
	Fields map[string]any
	// Header holds extra response headers, such as S3's
	// x-amz-delete-marker on a 404.
	Header http.Header
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// WireQueryCode returns the code the query protocols send.
func (e *Error) WireQueryCode() string {
	if e.QueryCode != "" {
		return e.QueryCode
	}
	return e.Code
}

// New returns a client-fault error.
func New(code string, status int, message string) *Error {
	return &Error{Code: code, Message: message, Status: status, Sender: status < 500}
}

// Newf returns a client-fault error with a formatted message.
func Newf(code string, status int, format string, args ...any) *Error {
	return New(code, status, fmt.Sprintf(format, args...))
}

// With returns e with an extra error document member.
func (e *Error) With(member string, value any) *Error {
	if e.Fields == nil {
		e.Fields = map[string]any{}
	}
	e.Fields[member] = value
	return e
}

// NotImplemented is the error for an operation Virga does not implement
// yet: HTTP 501 naming the service and operation.
func NotImplemented(service, operation string) *Error {
	return &Error{
		Code:    "NotImplemented",
		Message: fmt.Sprintf("Virga does not implement %s:%s yet", service, operation),
		Status:  http.StatusNotImplemented,
	}
}

// Internal wraps an unexpected failure as an InternalFailure (HTTP 500).
func Internal(err error) *Error {
	return &Error{Code: "InternalFailure", Message: err.Error(), Status: http.StatusInternalServerError}
}

// As returns err as an *Error, wrapping any other error as Internal.
func As(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return Internal(err)
}
