package sts

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/virga-aws/virga/internal/identity"
)

// sessionStore saves and loads the STS sessions kept in the identity
// registry, so that credentials issued in a saved world keep working
// after it is loaded.
type sessionStore struct {
	reg *identity.Registry
}

// sessionsSnapshot is the STS entry of a state archive.
type sessionsSnapshot struct {
	Sessions []sessionRecord `json:"sessions"`
}

// sessionRecord is one saved session.
type sessionRecord struct {
	AccessKeyID     string    `json:"accessKeyId"`
	SecretAccessKey string    `json:"secretAccessKey"`
	SessionToken    string    `json:"sessionToken,omitempty"`
	Expiration      time.Time `json:"expiration"`
	Account         string    `json:"account"`
	ARN             string    `json:"arn"`
	UserID          string    `json:"userId"`
}

// Snapshot writes every session as JSON, sorted by access key id; expired
// sessions are kept, as the registry keeps them.
func (st sessionStore) Snapshot(w io.Writer) error {
	sessions := st.reg.Sessions()
	snap := sessionsSnapshot{Sessions: make([]sessionRecord, len(sessions))}
	for i, s := range sessions {
		snap.Sessions[i] = sessionRecord{
			AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
			Expiration: s.Expiration.UTC(), Account: s.Caller.Account, ARN: s.Caller.ARN, UserID: s.Caller.UserID,
		}
	}
	return json.NewEncoder(w).Encode(snap)
}

// Restore replaces every session with those of a snapshot, after checking
// them all: a snapshot that does not parse, or names a session without an
// access key id, secret, account or ARN, or the same key twice, changes
// nothing.
func (st sessionStore) Restore(r io.Reader) error {
	var snap sessionsSnapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("sts: restore: %w", err)
	}
	sessions := make([]identity.Session, len(snap.Sessions))
	seen := make(map[string]bool, len(snap.Sessions))
	for i, rec := range snap.Sessions {
		if rec.AccessKeyID == "" || rec.SecretAccessKey == "" || rec.Account == "" || rec.ARN == "" {
			return fmt.Errorf("sts: restore: session %d lacks an access key id, secret, account or ARN", i+1)
		}
		if seen[rec.AccessKeyID] {
			return fmt.Errorf("sts: restore: access key id %s appears twice", rec.AccessKeyID)
		}
		seen[rec.AccessKeyID] = true
		sessions[i] = identity.Session{
			AccessKeyID: rec.AccessKeyID, SecretAccessKey: rec.SecretAccessKey, SessionToken: rec.SessionToken,
			Expiration: rec.Expiration,
			Caller:     identity.Caller{Account: rec.Account, ARN: rec.ARN, UserID: rec.UserID},
		}
	}
	st.reg.ReplaceSessions(sessions)
	return nil
}
