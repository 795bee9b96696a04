package sqs

import (
	"fmt"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/sqs/api"
	"github.com/virga-aws/virga/internal/validate"
)

// invalidParameterValue is SQS's unmodeled InvalidParameterValue error: its
// JSON __type is InvalidParameterValueException, its query code (what SDKs
// report as the error code) InvalidParameterValue.
func invalidParameterValue(format string, args ...any) *awserr.Error {
	return &awserr.Error{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue",
		Message: fmt.Sprintf(format, args...), Status: 400, Sender: true}
}

// missingParameter is SQS's unmodeled MissingParameter error (JSON __type
// MissingRequiredParameterException).
func missingParameter(name string) *awserr.Error {
	return &awserr.Error{Code: "MissingRequiredParameterException", QueryCode: "MissingParameter",
		Message: "The request must contain the parameter " + name + ".", Status: 400, Sender: true}
}

func errQueueDoesNotExist() *awserr.Error {
	return api.ErrQueueDoesNotExist("The specified queue does not exist.")
}

func errUnknownAttribute(name string) *awserr.Error {
	return api.ErrInvalidAttributeName("Unknown Attribute " + name + ".")
}

func errAttributeValue(name string) *awserr.Error {
	return api.ErrInvalidAttributeValue("Invalid value for the parameter " + name + ".")
}

func errReceiptHandleInvalid(handle string) *awserr.Error {
	return api.ErrReceiptHandleIsInvalid(`The input receipt handle "` + handle + `" is not a valid receipt handle.`)
}

// errBatchEntryID is returned for a batch entry id that is empty, too long
// or not made of alphanumerics, hyphens and underscores.
func errBatchEntryID() *awserr.Error {
	return api.ErrInvalidBatchEntryId("A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
}

// batchFailure turns a per-entry error into the entry of a batch result's
// Failed list, with the code SDKs see for the same error outside a batch.
func batchFailure(id *string, e *awserr.Error) api.BatchResultErrorEntry {
	code := e.WireQueryCode()
	sender := e.Sender
	msg := e.Message
	return api.BatchResultErrorEntry{Id: id, Code: &code, Message: &msg, SenderFault: &sender}
}

// validationError turns the model violations the gateway found into SQS's
// errors: a missing member is MissingParameter, an unknown queue attribute
// name InvalidAttributeName, anything else InvalidParameterValue. Violations
// that the handlers report themselves, with SQS's more specific wording,
// are skipped (nil lets the request through to the handler).
func validationError(op string, vs []validate.Violation) *awserr.Error {
	for _, v := range vs {
		switch v.Kind {
		case "required":
			if v.Member == "DataType" || v.Member == "MessageBody" && op == "SendMessageBatch" {
				continue
			}
			if v.Member == "Entries" && v.Path == "entries" {
				// The query protocol cannot send an empty list: no entries
				// at all is SQS's EmptyBatchRequest.
				return api.ErrEmptyBatchRequest("There should be at least one " + batchEntryShape[op] + " in the request.")
			}
			return missingParameter(v.Member)
		case "enum":
			switch {
			case op == "ReceiveMessage", v.Member == "MessageSystemAttributes":
				continue
			case v.Member == "Attributes" || v.Member == "AttributeNames":
				return errUnknownAttribute(fmt.Sprint(v.Value))
			}
			return invalidParameterValue("Value %v for parameter %s is invalid.", v.Value, v.Member)
		default:
			return invalidParameterValue("Value %v for parameter %s is invalid.", v.Value, v.Member)
		}
	}
	return nil
}

// batchEntryShape names the entries of each batch operation, as
// EmptyBatchRequest's message does.
var batchEntryShape = map[string]string{
	"SendMessageBatch":             "SendMessageBatchRequestEntry",
	"DeleteMessageBatch":           "DeleteMessageBatchRequestEntry",
	"ChangeMessageVisibilityBatch": "ChangeMessageVisibilityBatchRequestEntry",
}
