// Package sts implements AWS Security Token Service: caller identity and the
// temporary credentials whose access keys map to the assumed principal.
package sts

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/sts/api"
	"github.com/virga-aws/virga/internal/validate"
)

// Handler implements the STS operations.
type Handler struct {
	api.Unimplemented
	deps service.Deps
}

var _ api.Service = (*Handler)(nil)

// New returns the STS service.
func New(deps service.Deps) (*service.Service, error) {
	h := &Handler{deps: deps}
	return &service.Service{
		Model:      "sts",
		Operations: api.Operations(h),
		Reset:      deps.Identity.Reset,
		Snapshot:   sessionStore{deps.Identity},
		ValidationError: func(_ string, vs []validate.Violation) *awserr.Error {
			return awserr.New("ValidationError", 400, validate.Summary(vs))
		},
	}, nil
}

// Session duration bounds, from the STS API reference.
const (
	defaultRoleDuration    = 3600
	defaultSessionDuration = 43200
	maxRoleDuration        = 43200
	maxSessionDuration     = 129600
	minDuration            = 900
)

// GetCallerIdentity returns the account, ARN and user id of the caller.
func (h *Handler) GetCallerIdentity(ctx context.Context, _ *api.GetCallerIdentityRequest) (*api.GetCallerIdentityResponse, error) {
	info := request.From(ctx)
	return &api.GetCallerIdentityResponse{Account: new(info.Account), Arn: new(info.Principal), UserId: new(info.UserID)}, nil
}

// AssumeRole issues credentials acting as the role's session in the role's
// account.
func (h *Handler) AssumeRole(ctx context.Context, in *api.AssumeRoleRequest) (*api.AssumeRoleResponse, error) {
	account, roleName, err := parseRoleARN(*in.RoleArn)
	if err != nil {
		return nil, err
	}
	duration, err := durationOf(in.DurationSeconds, defaultRoleDuration, maxRoleDuration)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 50 {
		return nil, awserr.New("ValidationError", 400, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	creds, user := h.assume(account, roleName, *in.RoleSessionName, duration)
	out := &api.AssumeRoleResponse{Credentials: creds, AssumedRoleUser: user, SourceIdentity: in.SourceIdentity}
	if in.Policy != nil || len(in.PolicyArns) > 0 {
		out.PackedPolicySize = new(packedPolicySize(in.Policy, len(in.PolicyArns)))
	}
	return out, nil
}

// AssumeRoleWithWebIdentity issues credentials for an OIDC token. The
// token's signature is not verified (Virga reaches no identity provider);
// its claims must parse and carry sub and aud.
func (h *Handler) AssumeRoleWithWebIdentity(ctx context.Context, in *api.AssumeRoleWithWebIdentityRequest) (*api.AssumeRoleWithWebIdentityResponse, error) {
	account, roleName, err := parseRoleARN(*in.RoleArn)
	if err != nil {
		return nil, err
	}
	duration, err := durationOf(in.DurationSeconds, defaultRoleDuration, maxRoleDuration)
	if err != nil {
		return nil, err
	}
	claims, err := jwtClaims(*in.WebIdentityToken)
	if err != nil {
		return nil, api.ErrInvalidIdentityTokenException("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	if exp, ok := claims["exp"].(float64); ok && time.Unix(int64(exp), 0).Before(h.deps.Clock.Now()) {
		return nil, api.ErrExpiredTokenException("Token expired: current date/time " + h.deps.Clock.Now().UTC().Format(time.RFC3339) + " must be before the expiration date/time " + time.Unix(int64(exp), 0).UTC().Format(time.RFC3339))
	}
	sub, _ := claims["sub"].(string)
	iss, _ := claims["iss"].(string)
	aud := audience(claims["aud"])
	if sub == "" || aud == "" {
		return nil, api.ErrInvalidIdentityTokenException("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	creds, user := h.assume(account, roleName, *in.RoleSessionName, duration)
	provider := strings.TrimPrefix(strings.TrimPrefix(iss, "https://"), "http://")
	if in.ProviderId != nil {
		provider = *in.ProviderId
	}
	return &api.AssumeRoleWithWebIdentityResponse{
		Credentials:                 creds,
		AssumedRoleUser:             user,
		SubjectFromWebIdentityToken: new(sub),
		Audience:                    new(aud),
		Provider:                    new(provider),
	}, nil
}

// GetSessionToken issues temporary credentials acting as the caller.
func (h *Handler) GetSessionToken(ctx context.Context, in *api.GetSessionTokenRequest) (*api.GetSessionTokenResponse, error) {
	info := request.From(ctx)
	if _, ok := h.deps.Identity.Session(info.AccessKeyID); ok {
		return nil, awserr.New("AccessDenied", 403, "Cannot call GetSessionToken with session credentials")
	}
	duration, err := durationOf(in.DurationSeconds, defaultSessionDuration, maxSessionDuration)
	if err != nil {
		return nil, err
	}
	caller := identity.Caller{Account: info.Account, ARN: info.Principal, UserID: info.UserID}
	return &api.GetSessionTokenResponse{Credentials: h.issue(caller, duration)}, nil
}

// GetFederationToken issues credentials for a federated user in the
// caller's account.
func (h *Handler) GetFederationToken(ctx context.Context, in *api.GetFederationTokenRequest) (*api.GetFederationTokenResponse, error) {
	info := request.From(ctx)
	duration, err := durationOf(in.DurationSeconds, defaultSessionDuration, maxSessionDuration)
	if err != nil {
		return nil, err
	}
	arn := "arn:aws:sts::" + info.Account + ":federated-user/" + *in.Name
	userID := info.Account + ":" + *in.Name
	creds := h.issue(identity.Caller{Account: info.Account, ARN: arn, UserID: userID}, duration)
	out := &api.GetFederationTokenResponse{
		Credentials:   creds,
		FederatedUser: &api.FederatedUser{Arn: new(arn), FederatedUserId: new(userID)},
	}
	if in.Policy != nil || len(in.PolicyArns) > 0 {
		out.PackedPolicySize = new(packedPolicySize(in.Policy, len(in.PolicyArns)))
	}
	return out, nil
}

// GetAccessKeyInfo returns the account an access key belongs to.
func (h *Handler) GetAccessKeyInfo(ctx context.Context, in *api.GetAccessKeyInfoRequest) (*api.GetAccessKeyInfoResponse, error) {
	return &api.GetAccessKeyInfoResponse{Account: new(h.deps.Identity.Caller(*in.AccessKeyId).Account)}, nil
}

// DecodeAuthorizationMessage fails for every message: Virga never issues
// encoded authorization messages, so none can be valid.
func (h *Handler) DecodeAuthorizationMessage(ctx context.Context, in *api.DecodeAuthorizationMessageRequest) (*api.DecodeAuthorizationMessageResponse, error) {
	return nil, api.ErrInvalidAuthorizationMessageException("The encoded authorization message is invalid.")
}

// assume issues credentials for ROLE/SESSION in account.
func (h *Handler) assume(account, roleName, session string, duration time.Duration) (*api.Credentials, *api.AssumedRoleUser) {
	roleID := "AROA" + keyChars(h.deps.IDs.Hex(10), 17)
	arn := "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session
	userID := roleID + ":" + session
	creds := h.issue(identity.Caller{Account: account, ARN: arn, UserID: userID}, duration)
	return creds, &api.AssumedRoleUser{Arn: new(arn), AssumedRoleId: new(userID)}
}

// issue creates and registers a session for caller.
func (h *Handler) issue(caller identity.Caller, duration time.Duration) *api.Credentials {
	s := identity.Session{
		AccessKeyID:     "ASIA" + keyChars(h.deps.IDs.Hex(10), 16),
		SecretAccessKey: secretChars(h.deps.IDs.Hex(30)),
		Expiration:      h.deps.Clock.Now().Add(duration).UTC().Truncate(time.Second),
		Caller:          caller,
	}
	s.SessionToken = sessionToken(s.AccessKeyID, h.deps.IDs.Hex(96))
	h.deps.Identity.AddSession(s)
	return &api.Credentials{
		AccessKeyId:     new(s.AccessKeyID),
		SecretAccessKey: new(s.SecretAccessKey),
		SessionToken:    new(s.SessionToken),
		Expiration:      new(s.Expiration),
	}
}

// parseRoleARN splits arn:aws:iam::ACCOUNT:role[/path]/NAME.
func parseRoleARN(arn string) (account, name string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !identity.IsAccountID(parts[4]) || !strings.HasPrefix(parts[5], "role/") {
		return "", "", awserr.New("ValidationError", 400, arn+" is invalid")
	}
	path := strings.TrimPrefix(parts[5], "role/")
	name = path[strings.LastIndexByte(path, '/')+1:]
	if name == "" {
		return "", "", awserr.New("ValidationError", 400, arn+" is invalid")
	}
	return parts[4], name, nil
}

func durationOf(seconds *int32, def, max int) (time.Duration, error) {
	d := def
	if seconds != nil {
		d = int(*seconds)
	}
	if d < minDuration || d > max {
		return 0, awserr.New("ValidationError", 400, fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value %s", d, boundWord(d, max)))
	}
	return time.Duration(d) * time.Second, nil
}

func boundWord(d, max int) string {
	if d < minDuration {
		return fmt.Sprintf("greater than or equal to %d", minDuration)
	}
	return fmt.Sprintf("less than or equal to %d", max)
}

// packedPolicySize reports the packed session policy size as a percentage
// of the allowed size, as AWS does; Virga estimates it from the policy's
// compact JSON length and the number of managed policy ARNs.
func packedPolicySize(policy *string, arns int) int32 {
	n := 0
	if policy != nil {
		n = len(strings.Join(strings.Fields(*policy), ""))
	}
	pct := (n*100)/2048 + arns*5
	if pct > 100 {
		pct = 100
	}
	return int32(pct)
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// keyChars maps random hex to n characters of the access-key alphabet.
func keyChars(hex string, n int) string {
	sum := sha256.Sum256([]byte(hex))
	b := make([]byte, n)
	for i := range b {
		b[i] = keyAlphabet[sum[i%len(sum)]%32]
	}
	return string(b)
}

// secretChars makes a 40-character secret key from random hex.
func secretChars(hex string) string {
	sum := sha256.Sum256([]byte(hex))
	return base64.StdEncoding.EncodeToString(sum[:])[:40]
}

// sessionToken makes an opaque session token that names its key.
func sessionToken(accessKey, hex string) string {
	return "FQoGZXIvYXdzE" + base64.StdEncoding.EncodeToString([]byte("virga:"+accessKey+":"+hex))
}

// jwtClaims decodes a JWT's payload without verifying its signature.
func jwtClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	return claims, nil
}

func audience(v any) string {
	switch a := v.(type) {
	case string:
		return a
	case []any:
		if len(a) > 0 {
			s, _ := a[0].(string)
			return s
		}
	}
	return ""
}
