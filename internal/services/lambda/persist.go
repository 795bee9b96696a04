package lambda

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
	"github.com/virga-aws/virga/internal/state"
)

// Journal layout (see internal/state), under DataDir/lambda: one record
// per function in nsFunctions keyed "<account>/<region>/<name>" (the
// $LATEST snapshot, tags, reserved concurrency, the next version number,
// the asynchronous settings and resource policies of every qualifier), one
// per published version in nsVersions keyed "<function key>/<number>", one
// per alias in nsAliases keyed "<function key>/<alias>", and one per
// function URL in nsURLs keyed "<function key>/<alias>" ("<function key>/"
// for the unqualified function's). Layers have one record per layer in
// nsLayers keyed "<account>/<region>/<layer>" (the number its next version
// gets, kept when every version is deleted, since numbers are never
// reused) and one per layer version in nsLayerVersions keyed
// "<layer key>/<number>" (with its policy). Deployment packages and layer
// archives are blobs in DataDir/lambda/blobs, named by the first 32 hex
// digits of their SHA-256, written before the records that name them; a
// blob lives while a function version, a function version's layers (a
// function keeps a deleted layer version's archive, as on AWS) or a layer
// version names it. Running instances and queued asynchronous events are
// not journaled. A restart unpacks the packages again and brings every
// function back Active with no instance running.
const (
	nsFunctions     = "lambda/functions"
	nsVersions      = "lambda/versions"
	nsAliases       = "lambda/aliases"
	nsURLs          = "lambda/urls"
	nsLayers        = "lambda/layers"
	nsLayerVersions = "lambda/layer-versions"
)

// namespaces are every namespace of the journal.
var namespaces = []string{nsFunctions, nsVersions, nsAliases, nsURLs, nsLayers, nsLayerVersions}

// persistence is the service's durable state: the journal and the blob
// store of deployment packages. With no data directory the journal is
// state.Discard and the blobs live in memory, filled only when a snapshot
// asks for them.
type persistence struct {
	log     state.Log
	durable bool
	blobs   state.Blobs
	close   []func() error
}

// openState opens the journal and blobs under dataDir ("" for memory) and
// restores the functions recorded there.
func (s *Service) openState(dataDir string) error {
	if dataDir == "" {
		mb := state.NewMemBlobs("", 0)
		s.persist = persistence{log: state.Discard, blobs: mb, close: []func() error{mb.Close}}
		return nil
	}
	dir := filepath.Join(dataDir, "lambda")
	j, err := state.OpenJournal(dir, state.Options{Logger: s.log})
	if err != nil {
		return fmt.Errorf("lambda: %w", err)
	}
	db, err := state.OpenDirBlobs(dir, state.Options{Logger: s.log})
	if err != nil {
		j.Close()
		return fmt.Errorf("lambda: %w", err)
	}
	s.persist = persistence{log: j, durable: true, blobs: db, close: []func() error{j.Close, db.Close}}
	r := s.newRestorer()
	if err := j.Replay(r.record); err != nil {
		s.closeState()
		return fmt.Errorf("lambda: restoring state: %w", err)
	}
	r.finish()
	s.functions = r.functions
	s.layers.layers = r.layers
	s.urls.byID = r.urls
	keep := map[string]bool{}
	for _, id := range s.codeBlobs() {
		keep[id] = true
	}
	if _, err := db.Sweep(func(id string) bool { return keep[id] }); err != nil {
		s.log.Warn("lambda: removing unused code blobs", "error", err)
	}
	return nil
}

// closeState closes the journal and the blob store.
func (s *Service) closeState() error {
	var errs []error
	for _, c := range s.persist.close {
		errs = append(errs, c())
	}
	s.persist.close = nil
	return errors.Join(errs...)
}

func functionKey(k funcKey) string { return k.account + "/" + k.region + "/" + k.name }

// blobID names a package's blob: the first 32 hex digits of its SHA-256
// (given in base64, as CodeSha256), "" for a malformed hash.
func blobID(sha string) string {
	raw, err := base64.StdEncoding.DecodeString(sha)
	if err != nil || len(raw) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(raw)[:32]
}

// functionRecord is a function's journal record.
type functionRecord struct {
	Account      string                       `json:"account"`
	Region       string                       `json:"region"`
	Name         string                       `json:"name"`
	Latest       versionRecord                `json:"latest"`
	NextVersion  int                          `json:"nextVersion"`
	Tags         map[string]string            `json:"tags,omitempty"`
	Reserved     *int32                       `json:"reserved,omitempty"`
	EventConfigs map[string]eventConfigRecord `json:"eventConfigs,omitempty"`
	Policies     map[string][]policyStatement `json:"policies,omitempty"`
}

// versionRecord is a version's snapshot ($LATEST's inside its function's
// record).
type versionRecord struct {
	Name         string     `json:"name"`
	Config       config     `json:"config"`
	Code         codeRecord `json:"code"`
	LastModified time.Time  `json:"lastModified"`
	RevisionID   string     `json:"revisionId"`
	Origin       string     `json:"origin,omitempty"`
}

// codeRecord names a version's deployment package.
type codeRecord struct {
	Sha256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Unzipped int64  `json:"unzipped"`
}

// aliasRecord is an alias's journal record.
type aliasRecord struct {
	Name        string             `json:"name"`
	Version     string             `json:"version"`
	Description string             `json:"description,omitempty"`
	Weights     map[string]float64 `json:"weights,omitempty"`
	RevisionID  string             `json:"revisionId"`
}

// eventConfigRecord is a qualifier's asynchronous invocation settings.
type eventConfigRecord struct {
	MaxRetries   *int32    `json:"maxRetries,omitempty"`
	MaxAge       *int32    `json:"maxAge,omitempty"`
	OnSuccess    string    `json:"onSuccess,omitempty"`
	OnFailure    string    `json:"onFailure,omitempty"`
	LastModified time.Time `json:"lastModified"`
}

// layerRecord is a layer's journal record.
type layerRecord struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`
	Next    int64  `json:"next"`
}

// layerVersionRecord is a layer version's journal record. Slices and the
// license are not omitted when empty, so nil and empty come back as they
// were given.
type layerVersionRecord struct {
	Number         int64            `json:"number"`
	Description    string           `json:"description,omitempty"`
	License        *string          `json:"license"`
	Runtimes       []string         `json:"runtimes"`
	Architectures  []string         `json:"architectures"`
	Created        time.Time        `json:"created"`
	Code           codeRecord       `json:"code"`
	Policy         []layerStatement `json:"policy,omitempty"`
	PolicyRevision string           `json:"policyRevision,omitempty"`
}

// urlRecord is a function URL's journal record.
type urlRecord struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"`
	Qualifier  string    `json:"qualifier,omitempty"`
	AuthType   string    `json:"authType"`
	Cors       *api.Cors `json:"cors,omitempty"`
	InvokeMode string    `json:"invokeMode"`
	Created    time.Time `json:"created"`
	Modified   time.Time `json:"modified"`
}

func (v *version) record() versionRecord {
	return versionRecord{
		Name: v.name, Config: v.cfg, LastModified: v.lastModified, RevisionID: v.revisionID, Origin: v.origin,
		Code: codeRecord{Sha256: v.code.sha256, Size: v.code.size, Unzipped: v.code.unzipped},
	}
}

func (a *alias) record() aliasRecord {
	return aliasRecord{Name: a.name, Version: a.version, Description: a.description, Weights: a.weights, RevisionID: a.revisionID}
}

// functionEntry encodes f's record as the journal and snapshots store it.
// f.mu must be held.
func functionEntry(f *function) (ns, key string, value []byte, err error) {
	rec := functionRecord{
		Account: f.key.account, Region: f.key.region, Name: f.key.name,
		Latest: f.latest.record(), NextVersion: f.nextVer, Tags: f.tags, Reserved: f.reserved,
	}
	for q, c := range f.eventConfigs {
		if rec.EventConfigs == nil {
			rec.EventConfigs = map[string]eventConfigRecord{}
		}
		rec.EventConfigs[q] = eventConfigRecord{MaxRetries: c.maxRetries, MaxAge: c.maxAge, OnSuccess: c.onSuccess, OnFailure: c.onFailure, LastModified: c.lastModified}
	}
	for q, p := range f.policies {
		if rec.Policies == nil {
			rec.Policies = map[string][]policyStatement{}
		}
		rec.Policies[q] = p.statements
	}
	value, err = json.Marshal(rec)
	return nsFunctions, functionKey(f.key), value, err
}

func versionEntry(f *function, v *version) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(v.record())
	return nsVersions, functionKey(f.key) + "/" + v.name, value, err
}

func aliasEntry(f *function, a *alias) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(a.record())
	return nsAliases, functionKey(f.key) + "/" + a.name, value, err
}

func layerKeyString(k layerKey) string { return k.account + "/" + k.region + "/" + k.name }

// layerEntry encodes a layer's record. s.layers.mu must be held.
func layerEntry(l *layer) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(layerRecord{Account: l.key.account, Region: l.key.region, Name: l.key.name, Next: l.next})
	return nsLayers, layerKeyString(l.key), value, err
}

// layerVersionEntry encodes a layer version's record. s.layers.mu must be
// held.
func layerVersionEntry(v *layerVersion) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(layerVersionRecord{
		Number: v.number, Description: v.description, License: v.license, Runtimes: v.runtimes, Architectures: v.architectures,
		Created: v.created, Code: codeRecord{Sha256: v.code.sha256, Size: v.code.size, Unzipped: v.code.unzipped},
		Policy: v.policy, PolicyRevision: v.policyRevision,
	})
	return nsLayerVersions, layerKeyString(v.key) + "/" + strconv.FormatInt(v.number, 10), value, err
}

// urlKey is a function URL's journal key.
func urlKey(k funcKey, qualifier string) string { return functionKey(k) + "/" + qualifier }

// urlEntry encodes a function URL's record. s.urls.mu must be held (or u
// not yet shared).
func urlEntry(u *urlConfig) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(urlRecord{
		ID: u.id, URL: u.url, Qualifier: u.qualifier, AuthType: u.authType, Cors: u.cors,
		InvokeMode: u.invokeMode, Created: u.created, Modified: u.modified,
	})
	return nsURLs, urlKey(u.fn.key, u.qualifier), value, err
}

// put journals one entry.
func (s *Service) put(ns, key string, value []byte, err error) *awserr.Error {
	if err == nil {
		err = s.persist.log.Put(ns, key, value)
	}
	if err != nil {
		return awserr.Internal(fmt.Errorf("lambda: journal: %w", err))
	}
	return nil
}

// journalFunction journals f's record (not its versions or aliases). A
// deleted function is not written back. f.mu must be held.
func (s *Service) journalFunction(f *function) *awserr.Error {
	if !s.persist.durable || f.deleted {
		return nil
	}
	return s.put(functionEntry(f))
}

// journalNew journals a function just added to s.functions; s.mu must be
// held (so a concurrent delete of the same name journals after it).
func (s *Service) journalNew(f *function) *awserr.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return s.journalFunction(f)
}

// journalVersion journals a published version. f.mu must be held.
func (s *Service) journalVersion(f *function, v *version) *awserr.Error {
	if !s.persist.durable || f.deleted {
		return nil
	}
	return s.put(versionEntry(f, v))
}

// unjournalVersion journals a version's deletion. f.mu must be held.
func (s *Service) unjournalVersion(f *function, name string) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	if err := s.persist.log.Delete(nsVersions, functionKey(f.key)+"/"+name); err != nil {
		return awserr.Internal(fmt.Errorf("lambda: journal: %w", err))
	}
	return nil
}

// journalAlias journals an alias. f.mu must be held.
func (s *Service) journalAlias(f *function, a *alias) *awserr.Error {
	if !s.persist.durable || f.deleted {
		return nil
	}
	return s.put(aliasEntry(f, a))
}

// unjournalAlias journals an alias's deletion. f.mu must be held.
func (s *Service) unjournalAlias(f *function, name string) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	if err := s.persist.log.Delete(nsAliases, functionKey(f.key)+"/"+name); err != nil {
		return awserr.Internal(fmt.Errorf("lambda: journal: %w", err))
	}
	return nil
}

// journalLayer journals a layer version and its layer's next number.
// s.layers.mu must be held.
func (s *Service) journalLayer(l *layer, v *layerVersion) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	if aerr := s.put(layerEntry(l)); aerr != nil {
		return aerr
	}
	return s.journalLayerVersion(v)
}

// journalLayerVersion journals a layer version (its policy changed).
// s.layers.mu must be held.
func (s *Service) journalLayerVersion(v *layerVersion) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	return s.put(layerVersionEntry(v))
}

// unjournalLayerVersion journals a layer version's deletion. s.layers.mu
// must be held.
func (s *Service) unjournalLayerVersion(k layerKey, n int64) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	if err := s.persist.log.Delete(nsLayerVersions, layerKeyString(k)+"/"+strconv.FormatInt(n, 10)); err != nil {
		return awserr.Internal(fmt.Errorf("lambda: journal: %w", err))
	}
	return nil
}

// journalURL journals a function URL. s.urls.mu must be held.
func (s *Service) journalURL(u *urlConfig) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	return s.put(urlEntry(u))
}

// unjournalURL journals a function URL's deletion.
func (s *Service) unjournalURL(k funcKey, qualifier string) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	if err := s.persist.log.Delete(nsURLs, urlKey(k, qualifier)); err != nil {
		return awserr.Internal(fmt.Errorf("lambda: journal: %w", err))
	}
	return nil
}

// unjournalFunction journals a function's deletion with its versions,
// aliases and URLs. s.mu must be held.
func (s *Service) unjournalFunction(k funcKey) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	key := functionKey(k)
	for _, err := range []error{
		s.persist.log.DeletePrefix(nsVersions, key+"/"),
		s.persist.log.DeletePrefix(nsAliases, key+"/"),
		s.persist.log.DeletePrefix(nsURLs, key+"/"),
		s.persist.log.Delete(nsFunctions, key),
	} {
		if err != nil {
			return awserr.Internal(fmt.Errorf("lambda: journal: %w", err))
		}
	}
	return nil
}

// storeCode makes sure c's zip is in the blob store before a record names
// it (durable mode only; memory mode writes blobs when a snapshot needs
// them).
func (s *Service) storeCode(c *code) *awserr.Error {
	if !s.persist.durable {
		return nil
	}
	if err := s.keepBlob(c.sha256); err != nil {
		return awserr.Internal(err)
	}
	return nil
}

// keepBlob writes the zip with CodeSha256 sha to the blob store unless it
// is there already.
func (s *Service) keepBlob(sha string) error {
	id := blobID(sha)
	if id == "" {
		return fmt.Errorf("lambda: malformed code hash %q", sha)
	}
	if b, err := s.persist.blobs.Open(id); err == nil {
		b.Close()
		return nil
	}
	zipBytes, ok := s.zipBytes(sha)
	if !ok {
		return fmt.Errorf("lambda: the package %s is gone", sha)
	}
	w, err := s.persist.blobs.Create()
	if err != nil {
		return err
	}
	defer w.Abort()
	if _, err := w.Write(zipBytes); err != nil {
		return err
	}
	_, err = w.CommitAs(id)
	return err
}

// codeShas returns, once each, the CodeSha256 of every archive the
// functions fns and the layers still need: each version's package, each
// version's layers (kept after the layer version is deleted, as on AWS) and
// each layer version's archive. It takes the functions' and the layer
// store's locks.
func (s *Service) codeShas(fns []*function, layers []*layerVersion) []string {
	seen := map[string]bool{}
	var shas []string
	add := func(sha string) {
		if sha != "" && !seen[sha] {
			seen[sha] = true
			shas = append(shas, sha)
		}
	}
	for _, f := range fns {
		f.mu.Lock()
		for _, v := range append([]*version{f.latest}, f.sortedVersions()...) {
			add(v.code.sha256)
			for _, l := range v.cfg.Layers {
				add(l.Sha256)
			}
		}
		f.mu.Unlock()
	}
	for _, v := range layers {
		add(v.code.sha256)
	}
	return shas
}

// current returns the service's functions and layer versions.
func (s *Service) current() ([]*function, []*layerVersion) {
	s.mu.Lock()
	fns := make([]*function, 0, len(s.functions))
	for _, f := range s.functions {
		fns = append(fns, f)
	}
	s.mu.Unlock()
	s.layers.mu.Lock()
	lvs := allLayerVersions(s.layers.layers)
	s.layers.mu.Unlock()
	return fns, lvs
}

// allLayerVersions lists the versions of every layer in layers.
func allLayerVersions(layers map[layerKey]*layer) []*layerVersion {
	var out []*layerVersion
	for _, l := range layers {
		for _, v := range l.versions {
			out = append(out, v)
		}
	}
	return out
}

// blobIDs maps CodeSha256 values to blob ids, dropping malformed ones,
// sorted (so equal states give equal snapshot archives).
func blobIDs(shas []string) []string {
	ids := make([]string, 0, len(shas))
	for _, sha := range shas {
		if id := blobID(sha); id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// codeBlobs returns the blob ids of every archive a function version or a
// layer version refers to.
func (s *Service) codeBlobs() []string {
	return blobIDs(s.codeShas(s.current()))
}

// bodies is the service's Bodies hook: the blob store with every archive
// a function version or layer version refers to, written there first in
// memory mode.
func (s *Service) bodies() (state.Blobs, []string) {
	shas := s.codeShas(s.current())
	for _, sha := range shas {
		if err := s.keepBlob(sha); err != nil {
			s.log.Error("lambda: keeping a package for a snapshot", "sha256", sha, "error", err)
		}
	}
	return s.persist.blobs, blobIDs(shas)
}

// dropBlobs removes the blobs of the archives the functions and layer
// versions of a replaced state referred to, except those in keep.
func (s *Service) dropBlobs(oldFns map[funcKey]*function, oldLayers map[layerKey]*layer, keep map[string]bool) {
	fns := make([]*function, 0, len(oldFns))
	for _, f := range oldFns {
		fns = append(fns, f)
	}
	for _, id := range blobIDs(s.codeShas(fns, allLayerVersions(oldLayers))) {
		if !keep[id] {
			keep[id] = true
			s.persist.blobs.Remove(id)
		}
	}
}

// resetState drops the journal records and the blobs of the functions and
// layers in oldFns and oldLayers (the state Reset just replaced).
func (s *Service) resetState(oldFns map[funcKey]*function, oldLayers map[layerKey]*layer) {
	if s.persist.durable {
		for _, ns := range namespaces {
			if err := s.persist.log.DeletePrefix(ns, ""); err != nil {
				s.log.Error("lambda: journal reset", "error", err)
			}
		}
	}
	s.dropBlobs(oldFns, oldLayers, map[string]bool{})
}

// restorer rebuilds functions, layers and function URLs from journal
// records or snapshot lines.
type restorer struct {
	s         *Service
	functions map[funcKey]*function
	byKey     map[string]*function
	codes     map[string]*code
	layers    map[layerKey]*layer
	urls      map[string]*urlConfig
	// urlRecords wait for finish, which keeps those whose function (and
	// alias) exist.
	urlRecords []pendingURL
}

// pendingURL is a function URL record read before its function is known
// to be whole.
type pendingURL struct {
	fn  funcKey
	rec urlRecord
}

func (s *Service) newRestorer() *restorer {
	return &restorer{
		s: s, functions: map[funcKey]*function{}, byKey: map[string]*function{}, codes: map[string]*code{},
		layers: map[layerKey]*layer{}, urls: map[string]*urlConfig{},
	}
}

// The checks restored keys and records must pass. They are plain loops,
// not regular expressions: bounded repetitions such as {1,140} compile
// into large programs, and compiling these five at start cost about
// 0.4 ms of Virga's start-up.

// validAccount accepts a 12-digit account id.
func validAccount(s string) bool { return len(s) == 12 && allBytes(s, isDigit) }

// validRegion accepts any region a request can be signed for (the
// credential scope's, e.g. "local"), which is what the records hold: 1 to
// 128 characters, none of them "/" (which would break the keys) or a
// control character below 0x20.
func validRegion(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 128 && allBytes(s, func(b byte) bool { return b != '/' && b >= 0x20 })
}

// validName accepts a function name: 1 to 64 of [a-zA-Z0-9_-].
func validName(s string) bool { return len(s) >= 1 && len(s) <= 64 && allBytes(s, isNameByte) }

// validLayerName accepts a layer name: 1 to 140 of [a-zA-Z0-9_-].
func validLayerName(s string) bool { return len(s) >= 1 && len(s) <= 140 && allBytes(s, isNameByte) }

// validURLID accepts a function URL id: 1 to 63 of [a-z0-9].
func validURLID(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && allBytes(s, func(b byte) bool { return isDigit(b) || 'a' <= b && b <= 'z' })
}

// allBytes reports whether ok accepts every byte of s.
func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// isNameByte accepts [a-zA-Z0-9_-].
func isNameByte(b byte) bool {
	return isDigit(b) || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_' || b == '-'
}

// splitKey splits "<account>/<region>/<name>" (the key of a function or a
// layer), checking each part; name is checked with validName.
func splitKey(key string, name func(string) bool) (account, region, n string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || !validAccount(parts[0]) || !validRegion(parts[1]) || !name(parts[2]) {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// layer returns the layer k, creating it as restored.
func (r *restorer) layer(k layerKey) *layer {
	l := r.layers[k]
	if l == nil {
		l = &layer{key: k, versions: map[int64]*layerVersion{}, next: 1}
		r.layers[k] = l
	}
	return l
}

// record applies one record.
func (r *restorer) record(ns, key string, value []byte) error {
	switch ns {
	case nsFunctions:
		var rec functionRecord
		if err := json.Unmarshal(value, &rec); err != nil {
			return fmt.Errorf("function record %s: %w", key, err)
		}
		k := funcKey{rec.Account, rec.Region, rec.Name}
		if !validAccount(k.account) || !validRegion(k.region) || !validName(k.name) || functionKey(k) != key {
			return fmt.Errorf("function record %s: bad account, region or name", key)
		}
		if rec.Latest.Name != latest {
			return fmt.Errorf("function record %s: $LATEST is named %q", key, rec.Latest.Name)
		}
		f := &function{
			key: k, versions: map[string]*version{}, aliases: map[string]*alias{}, nextVer: max(rec.NextVersion, 1),
			tags: rec.Tags, reserved: rec.Reserved, eventConfigs: map[string]*eventConfig{}, policies: map[string]*resourcePolicy{},
		}
		v, err := r.version(f, rec.Latest)
		if err != nil {
			return fmt.Errorf("function record %s: %w", key, err)
		}
		f.latest = v
		for q, c := range rec.EventConfigs {
			f.eventConfigs[q] = &eventConfig{maxRetries: c.MaxRetries, maxAge: c.MaxAge, onSuccess: c.OnSuccess, onFailure: c.OnFailure, lastModified: c.LastModified}
		}
		for q, sts := range rec.Policies {
			for _, st := range sts {
				if st.Sid == "" || !json.Valid(st.JSON) {
					return fmt.Errorf("function record %s: bad policy statement", key)
				}
			}
			f.policies[q] = &resourcePolicy{statements: sts}
		}
		if old := r.functions[k]; old != nil {
			return fmt.Errorf("function record %s: duplicate", key)
		}
		r.functions[k] = f
		r.byKey[key] = f
	case nsVersions, nsAliases:
		i := strings.LastIndexByte(key, '/')
		if i < 0 {
			return fmt.Errorf("%s record %q: bad key", ns, key)
		}
		f := r.byKey[key[:i]]
		if f == nil {
			return nil // left by a function deleted while it was being written
		}
		if ns == nsVersions {
			var rec versionRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("version record %s: %w", key, err)
			}
			if !isVersionNumber(rec.Name) || rec.Name != key[i+1:] {
				return fmt.Errorf("version record %s: bad name %q", key, rec.Name)
			}
			v, err := r.version(f, rec)
			if err != nil {
				return fmt.Errorf("version record %s: %w", key, err)
			}
			f.versions[rec.Name] = v
			n, _ := strconv.Atoi(rec.Name)
			f.nextVer = max(f.nextVer, n+1)
			return nil
		}
		var rec aliasRecord
		if err := json.Unmarshal(value, &rec); err != nil {
			return fmt.Errorf("alias record %s: %w", key, err)
		}
		if checkAliasName(rec.Name) != nil || rec.Name != key[i+1:] {
			return fmt.Errorf("alias record %s: bad name %q", key, rec.Name)
		}
		f.aliases[rec.Name] = &alias{name: rec.Name, version: rec.Version, description: rec.Description, weights: rec.Weights, revisionID: rec.RevisionID}
	case nsLayers:
		var rec layerRecord
		if err := json.Unmarshal(value, &rec); err != nil {
			return fmt.Errorf("layer record %s: %w", key, err)
		}
		k := layerKey{rec.Account, rec.Region, rec.Name}
		if _, _, _, ok := splitKey(key, validLayerName); !ok || layerKeyString(k) != key || rec.Next < 1 {
			return fmt.Errorf("layer record %s: bad account, region, name or next version", key)
		}
		l := r.layer(k)
		l.next = max(l.next, rec.Next)
	case nsLayerVersions:
		i := strings.LastIndexByte(key, '/')
		if i < 0 {
			return fmt.Errorf("layer version record %q: bad key", key)
		}
		account, region, name, ok := splitKey(key[:i], validLayerName)
		if !ok {
			return fmt.Errorf("layer version record %q: bad key", key)
		}
		var rec layerVersionRecord
		if err := json.Unmarshal(value, &rec); err != nil {
			return fmt.Errorf("layer version record %s: %w", key, err)
		}
		if rec.Number < 1 || strconv.FormatInt(rec.Number, 10) != key[i+1:] {
			return fmt.Errorf("layer version record %s: bad number %d", key, rec.Number)
		}
		for _, st := range rec.Policy {
			if st.Sid == "" {
				return fmt.Errorf("layer version record %s: bad policy statement", key)
			}
		}
		c, err := r.code(rec.Code)
		if err != nil {
			return fmt.Errorf("layer version record %s: %w", key, err)
		}
		k := layerKey{account, region, name}
		l := r.layer(k)
		l.versions[rec.Number] = &layerVersion{
			key: k, number: rec.Number, description: rec.Description, license: rec.License, runtimes: rec.Runtimes,
			architectures: rec.Architectures, created: rec.Created, code: c, policy: rec.Policy, policyRevision: rec.PolicyRevision,
		}
		l.next = max(l.next, rec.Number+1)
	case nsURLs:
		i := strings.LastIndexByte(key, '/')
		if i < 0 {
			return fmt.Errorf("function URL record %q: bad key", key)
		}
		account, region, name, ok := splitKey(key[:i], validName)
		if !ok {
			return fmt.Errorf("function URL record %q: bad key", key)
		}
		var rec urlRecord
		if err := json.Unmarshal(value, &rec); err != nil {
			return fmt.Errorf("function URL record %s: %w", key, err)
		}
		if rec.Qualifier != key[i+1:] || (rec.Qualifier != "" && checkAliasName(rec.Qualifier) != nil) || !validURLID(rec.ID) {
			return fmt.Errorf("function URL record %s: bad qualifier or id", key)
		}
		r.urlRecords = append(r.urlRecords, pendingURL{fn: funcKey{account, region, name}, rec: rec})
	default:
		return fmt.Errorf("unknown namespace %q", ns)
	}
	return nil
}

// version rebuilds a version, unpacking its package from the blob store.
func (r *restorer) version(f *function, rec versionRecord) (*version, error) {
	c, err := r.code(rec.Code)
	if err != nil {
		return nil, err
	}
	return &version{fn: f, name: rec.Name, cfg: rec.Config, code: c, lastModified: rec.LastModified, revisionID: rec.RevisionID, origin: rec.Origin}, nil
}

// code unpacks a package from its blob, once per package.
func (r *restorer) code(cr codeRecord) (*code, error) {
	if c := r.codes[cr.Sha256]; c != nil {
		return c, nil
	}
	id := blobID(cr.Sha256)
	if id == "" {
		return nil, fmt.Errorf("malformed code hash %q", cr.Sha256)
	}
	b, err := r.s.persist.blobs.Open(id)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", cr.Sha256, err)
	}
	defer b.Close()
	if b.Size() > 1<<32 {
		return nil, fmt.Errorf("package %s: %d bytes", cr.Sha256, b.Size())
	}
	zipBytes, err := io.ReadAll(b)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", cr.Sha256, err)
	}
	sum := sha256.Sum256(zipBytes)
	if base64.StdEncoding.EncodeToString(sum[:]) != cr.Sha256 {
		return nil, fmt.Errorf("package %s: the blob's hash differs", cr.Sha256)
	}
	c, aerr := r.s.unpackArchive(zipBytes)
	if aerr != nil {
		return nil, fmt.Errorf("package %s: %s", cr.Sha256, aerr.Message)
	}
	r.codes[cr.Sha256] = c
	return c, nil
}

// finish drops alias routing to versions that no longer exist (a torn
// write), so every restored alias resolves, then installs the function
// URLs whose function and alias exist (one per qualifier and per url-id).
func (r *restorer) finish() {
	for _, f := range r.functions {
		for name, a := range f.aliases {
			if f.checkTarget(a.version) != nil {
				delete(f.aliases, name)
				continue
			}
			for v := range a.weights {
				if f.versions[v] == nil {
					delete(a.weights, v)
				}
			}
		}
	}
	type target struct {
		fn *function
		q  string
	}
	taken := map[target]bool{}
	for _, p := range r.urlRecords {
		f := r.functions[p.fn]
		rec := p.rec
		t := target{f, rec.Qualifier}
		if f == nil || (rec.Qualifier != "" && f.aliases[rec.Qualifier] == nil) || taken[t] || r.urls[rec.ID] != nil {
			continue
		}
		taken[t] = true
		r.urls[rec.ID] = &urlConfig{
			id: rec.ID, url: rec.URL, fn: f, qualifier: rec.Qualifier, authType: rec.AuthType, cors: rec.Cors,
			invokeMode: rec.InvokeMode, created: rec.Created, modified: rec.Modified,
		}
	}
	r.urlRecords = nil
}
