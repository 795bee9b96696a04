package sts_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	virgasts "github.com/virga-aws/virga/internal/services/sts"
)

func client(t *testing.T, srv *server.Server, key string, creds aws.CredentialsProvider) *sts.Client {
	cfg := servertest.Config(t, srv, key, "eu-west-2")
	if creds != nil {
		cfg.Credentials = creds
	}
	return sts.NewFromConfig(cfg)
}

func apiCode(t *testing.T, err error) string {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an API error, got %v", err)
	}
	return apiErr.ErrorCode()
}

func TestGetCallerIdentityAccounts(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, virgasts.New)
	ctx := context.Background()
	tests := []struct{ key, account string }{
		{"test", "000000000000"},
		{"AKIAIOSFODNN7EXAMPLE", "000000000000"},
		{"111122223333", "111122223333"},
	}
	for _, tc := range tests {
		out, err := client(t, srv, tc.key, nil).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if *out.Account != tc.account || *out.Arn != "arn:aws:iam::"+tc.account+":root" || *out.UserId != tc.account {
			t.Errorf("key %s: got %s %s %s", tc.key, *out.Account, *out.Arn, *out.UserId)
		}
	}
}

func TestAssumeRoleCredentialsActAsRole(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, virgasts.New)
	ctx := context.Background()
	out, err := client(t, srv, "", nil).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::123456789012:role/path/deployer"),
		RoleSessionName: aws.String("ci-run"),
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := *out.AssumedRoleUser.Arn; got != "arn:aws:sts::123456789012:assumed-role/deployer/ci-run" {
		t.Errorf("AssumedRoleUser.Arn = %s", got)
	}
	c := out.Credentials
	if len(*c.AccessKeyId) != 20 || (*c.AccessKeyId)[:4] != "ASIA" || len(*c.SecretAccessKey) != 40 || *c.SessionToken == "" {
		t.Errorf("credentials shape: %s %s", *c.AccessKeyId, *c.SecretAccessKey)
	}
	if d := time.Until(*c.Expiration); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("expiration in %v, want ~15m", d)
	}
	assumed := client(t, srv, "", credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken))
	id, err := assumed.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Account != "123456789012" || *id.Arn != "arn:aws:sts::123456789012:assumed-role/deployer/ci-run" || *id.UserId != *out.AssumedRoleUser.AssumedRoleId {
		t.Errorf("assumed identity = %s %s %s", *id.Account, *id.Arn, *id.UserId)
	}
	_, err = assumed.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if code := apiCode(t, err); code != "AccessDenied" {
		t.Errorf("GetSessionToken with session credentials: %s", code)
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, virgasts.New)
	c := client(t, srv, "", nil)
	ctx := context.Background()
	tests := []struct {
		name string
		in   *sts.AssumeRoleInput
	}{
		{"duration too short", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)}},
		{"duration too long", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)}},
		{"bad session name", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("has space")}},
		{"not a role arn", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:user/someone"), RoleSessionName: aws.String("s1")}},
	}
	for _, tc := range tests {
		_, err := c.AssumeRole(ctx, tc.in)
		if code := apiCode(t, err); code != "ValidationError" {
			t.Errorf("%s: code %s, want ValidationError", tc.name, code)
		}
	}
}

func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(claims)) + "." + enc([]byte("sig"))
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, virgasts.New)
	ctx := context.Background()
	c := client(t, srv, "", aws.AnonymousCredentials{})
	exp := time.Now().Add(time.Hour).Unix()
	out, err := c.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String("arn:aws:iam::210987654321:role/gha"),
		RoleSessionName:  aws.String("gh"),
		WebIdentityToken: aws.String(jwt(`{"sub":"repo:o/r","aud":"sts.amazonaws.com","iss":"https://token.actions.githubusercontent.com","exp":` + strconv.FormatInt(exp, 10) + `}`)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if *out.SubjectFromWebIdentityToken != "repo:o/r" || *out.Audience != "sts.amazonaws.com" || *out.Provider != "token.actions.githubusercontent.com" {
		t.Errorf("got %s %s %s", *out.SubjectFromWebIdentityToken, *out.Audience, *out.Provider)
	}
	_, err = c.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::210987654321:role/gha"), RoleSessionName: aws.String("gh"), WebIdentityToken: aws.String("not-a-jwt-at-all"),
	})
	if code := apiCode(t, err); code != "InvalidIdentityToken" {
		t.Errorf("bad token: %s", code)
	}
	_, err = c.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::210987654321:role/gha"), RoleSessionName: aws.String("gh"), WebIdentityToken: aws.String(jwt(`{"sub":"a","aud":"b","exp":1000}`)),
	})
	if code := apiCode(t, err); code != "ExpiredTokenException" {
		t.Errorf("expired token: %s", code)
	}
}
