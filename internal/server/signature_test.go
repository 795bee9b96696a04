package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	virgasqs "github.com/virga-aws/virga/internal/services/sqs"
	virgasts "github.com/virga-aws/virga/internal/services/sts"
)

func errorCode(t *testing.T, err error) string {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an API error, got %v", err)
	}
	return apiErr.ErrorCode()
}

// TestValidateSignatures checks --validate-signatures through real
// clients: the right secret passes, a wrong one gets SignatureDoesNotMatch,
// an unknown key InvalidClientTokenId, and STS-issued credentials verify
// with their own secret.
func TestValidateSignatures(t *testing.T) {
	srv := servertest.Start(t, server.Options{
		ValidateSignatures: true,
		Credentials:        map[string]string{"AKIDVIRGATEST": "right-secret"},
	}, virgasqs.New, virgasts.New)
	ctx := context.Background()
	withCreds := func(key, secret, token string) aws.Config {
		cfg := servertest.Config(t, srv, "", "")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, token)
		cfg.RetryMaxAttempts = 1
		return cfg
	}

	good := withCreds("AKIDVIRGATEST", "right-secret", "")
	if _, err := sqs.NewFromConfig(good).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("signed")}); err != nil {
		t.Fatalf("correctly signed request failed: %v", err)
	}
	_, err := sqs.NewFromConfig(withCreds("AKIDVIRGATEST", "wrong-secret", "")).ListQueues(ctx, &sqs.ListQueuesInput{})
	if code := errorCode(t, err); code != "SignatureDoesNotMatch" {
		t.Errorf("SQS with a wrong secret: %s, want SignatureDoesNotMatch", code)
	}
	_, err = sts.NewFromConfig(withCreds("AKIDVIRGATEST", "wrong-secret", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code := errorCode(t, err); code != "SignatureDoesNotMatch" {
		t.Errorf("STS with a wrong secret: %s, want SignatureDoesNotMatch", code)
	}
	_, err = sts.NewFromConfig(withCreds("AKIDUNKNOWN", "x", "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code := errorCode(t, err); code != "InvalidClientTokenId" {
		t.Errorf("STS with an unknown key: %s, want InvalidClientTokenId", code)
	}

	out, err := sts.NewFromConfig(good).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("signed-session"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	id, err := sts.NewFromConfig(withCreds(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("STS-issued credentials: %v", err)
	}
	if *id.Account != "123456789012" {
		t.Errorf("assumed account = %s", *id.Account)
	}
}
