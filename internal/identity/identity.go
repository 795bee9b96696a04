// Package identity maps access keys to accounts and principals, and keeps
// the temporary credentials Virga's STS issues.
package identity

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultAccount is the account of any access key that is neither a
// 12-digit account id nor issued by Virga's STS (LocalStack's convention).
const DefaultAccount = "000000000000"

// Caller is who a request acts as.
type Caller struct {
	// Account is the 12-digit account id.
	Account string
	// ARN is the principal's ARN (arn:aws:iam::ACCOUNT:root for plain keys,
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION for assumed roles).
	ARN string
	// UserID is the principal's unique id (aws:userid).
	UserID string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
}

// Session is a set of temporary credentials issued by STS.
type Session struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	// Caller is who the credentials act as.
	Caller Caller
}

// Registry resolves access keys. It is safe for concurrent use.
type Registry struct {
	defaultAccount string
	mu             sync.RWMutex
	sessions       map[string]Session
	secrets        map[string]string
}

// NewRegistry returns a registry whose unknown keys map to defaultAccount
// (DefaultAccount when empty).
func NewRegistry(defaultAccount string) *Registry {
	if defaultAccount == "" {
		defaultAccount = DefaultAccount
	}
	return &Registry{defaultAccount: defaultAccount, sessions: map[string]Session{}, secrets: map[string]string{}}
}

// DefaultAccount returns the account unknown keys map to.
func (r *Registry) DefaultAccount() string { return r.defaultAccount }

// Caller resolves an access key id: an STS-issued key to its session's
// principal, a 12-digit key to that account's root, anything else to the
// default account's root.
func (r *Registry) Caller(accessKeyID string) Caller {
	r.mu.RLock()
	s, ok := r.sessions[accessKeyID]
	r.mu.RUnlock()
	if ok {
		c := s.Caller
		c.AccessKeyID = accessKeyID
		return c
	}
	account := r.defaultAccount
	if IsAccountID(accessKeyID) {
		account = accessKeyID
	}
	return Caller{Account: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account, AccessKeyID: accessKeyID}
}

// IsAccountID reports whether s is 12 decimal digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// AddSession registers temporary credentials issued by STS.
func (r *Registry) AddSession(s Session) {
	r.mu.Lock()
	r.sessions[s.AccessKeyID] = s
	r.mu.Unlock()
}

// Session returns the session of an STS-issued access key.
func (r *Registry) Session(accessKeyID string) (Session, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.sessions[accessKeyID]
	return s, ok
}

// Sessions returns every STS session, sorted by access key id.
func (r *Registry) Sessions() []Session {
	r.mu.RLock()
	out := make([]Session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Session) int { return strings.Compare(a.AccessKeyID, b.AccessKeyID) })
	return out
}

// ReplaceSessions makes sessions the registry's only STS sessions, as one
// change (for loading a state snapshot); long-term secrets stay.
func (r *Registry) ReplaceSessions(sessions []Session) {
	m := make(map[string]Session, len(sessions))
	for _, s := range sessions {
		m[s.AccessKeyID] = s
	}
	r.mu.Lock()
	r.sessions = m
	r.mu.Unlock()
}

// AddSecret registers a long-term key's secret, so signatures made with it
// can be verified.
func (r *Registry) AddSecret(accessKeyID, secret string) {
	r.mu.Lock()
	r.secrets[accessKeyID] = secret
	r.mu.Unlock()
}

// Secret returns the secret of a known key (registered long-term keys and
// STS sessions).
func (r *Registry) Secret(accessKeyID string) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if s, ok := r.sessions[accessKeyID]; ok {
		return s.SecretAccessKey, true
	}
	s, ok := r.secrets[accessKeyID]
	return s, ok
}

// Reset forgets every STS session (long-term secrets stay).
func (r *Registry) Reset() {
	r.mu.Lock()
	r.sessions = map[string]Session{}
	r.mu.Unlock()
}
