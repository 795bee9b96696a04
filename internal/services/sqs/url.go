package sqs

import (
	"context"
	"strings"

	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/request"
)

// queueRef names a queue: its account, region and name.
type queueRef struct {
	account, region, name string
}

// parseQueueURL locates the queue a QueueUrl parameter names. It accepts
//
//	http(s)://<any host>/<account>/<name>                 (Virga, LocalStack, AWS)
//	http(s)://<any host>/queue/<region>/<account>/<name>  (LocalStack's path style)
//	<name>                                                (the caller's queue, as AWS accepts)
//
// The region is taken from an AWS or LocalStack style host
// (sqs.<region>.amazonaws.com, <region>.queue.amazonaws.com,
// sqs.<region>.localhost.localstack.cloud, ...) and otherwise from the
// request, as the account defaults to the caller's for a bare name. It
// reports false for anything else, which SQS answers with
// QueueDoesNotExist.
func parseQueueURL(raw, callerAccount, callerRegion string) (queueRef, bool) {
	ref := queueRef{account: callerAccount, region: callerRegion}
	scheme, rest, found := strings.Cut(raw, "://")
	if !found {
		if raw == "" || strings.ContainsAny(raw, "/:?# ") {
			return ref, false
		}
		ref.name = raw
		return ref, true
	}
	if scheme != "http" && scheme != "https" {
		return ref, false
	}
	host, path, _ := strings.Cut(rest, "/")
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	path = strings.TrimSuffix(path, "/")
	parts := strings.Split(path, "/")
	switch {
	case len(parts) == 2:
		ref.account, ref.name = parts[0], parts[1]
	case len(parts) == 4 && parts[0] == "queue":
		ref.region, ref.account, ref.name = parts[1], parts[2], parts[3]
	default:
		return ref, false
	}
	if r := regionOfHost(host); r != "" && len(parts) == 2 {
		ref.region = r
	}
	if !identity.IsAccountID(ref.account) || ref.name == "" || ref.region == "" {
		return ref, false
	}
	return ref, true
}

// regionOfHost returns the region an SQS endpoint host names, or "".
func regionOfHost(host string) string {
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	host = strings.ToLower(host)
	if rest, ok := strings.CutPrefix(host, "sqs."); ok {
		if r, _, ok := strings.Cut(rest, "."); ok && isRegionName(r) {
			return r
		}
		return ""
	}
	if host == "queue.amazonaws.com" {
		return "us-east-1"
	}
	if r, rest, ok := strings.Cut(host, ".queue."); ok && rest != "" && isRegionName(r) {
		return r
	}
	return ""
}

// isRegionName reports whether s looks like a region (us-east-1,
// cn-north-1, us-gov-west-1): lower-case letters and digits in at least
// three dash-separated parts, the last a number.
func isRegionName(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if c := p[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				return false
			}
		}
	}
	last := parts[len(parts)-1]
	return last[0] >= '0' && last[0] <= '9'
}

// queueURL is the URL of a queue as seen by the caller of ctx: the scheme
// and host the client used to reach Virga, so clients pointed at Virga can
// reach the queue with the URL they are given.
func queueURL(ctx context.Context, account, name string) string {
	info := request.From(ctx)
	scheme, host := info.Scheme, info.Host
	if scheme == "" {
		scheme = "http"
	}
	if host == "" {
		host = "localhost:4566"
	}
	return scheme + "://" + host + "/" + account + "/" + name
}

// queueARN is a queue's ARN.
func queueARN(region, account, name string) string {
	return "arn:" + partition(region) + ":sqs:" + region + ":" + account + ":" + name
}

// partition returns the AWS partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// parseQueueARN splits arn:<partition>:sqs:<region>:<account>:<name>.
func parseQueueARN(arn string) (queueRef, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sqs" {
		return queueRef{}, false
	}
	ref := queueRef{region: parts[3], account: parts[4], name: parts[5]}
	if ref.region == "" || !identity.IsAccountID(ref.account) || ref.name == "" {
		return queueRef{}, false
	}
	return ref, true
}
