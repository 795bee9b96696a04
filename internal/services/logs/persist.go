package logs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/services/logs/api"
)

// Journal layout (see internal/state): names cannot contain ':', so keys
// join their parts with it.
//
//	logs/groups   <account>:<region>:<group>                   groupRecord
//	logs/streams  <account>:<region>:<group>:<stream>          streamRecord
//	logs/events   <account>:<region>:<group>:<stream>:<seq>    eventRecord
//
// Deleting a group or stream drops its keys by prefix.
const (
	nsGroups  = "logs/groups"
	nsStreams = "logs/streams"
	nsEvents  = "logs/events"
)

func groupKey(k regionKey, group string) string { return k.account + ":" + k.region + ":" + group }

func streamKey(k regionKey, group, stream string) string {
	return groupKey(k, group) + ":" + stream
}

func eventJournalKey(k regionKey, group, stream string, seq uint64) string {
	return fmt.Sprintf("%s:%020d", streamKey(k, group, stream), seq)
}

type groupRecord struct {
	Account            string                         `json:"account"`
	Region             string                         `json:"region"`
	Name               string                         `json:"name"`
	Created            int64                          `json:"created"`
	Retention          int32                          `json:"retention,omitempty"`
	Class              string                         `json:"class"`
	KmsKeyID           string                         `json:"kmsKeyId,omitempty"`
	DeletionProtection bool                           `json:"deletionProtection,omitempty"`
	Tags               map[string]string              `json:"tags,omitempty"`
	Subscriptions      map[string]*subscriptionRecord `json:"subscriptions,omitempty"`
	MetricFilters      map[string]*metricRecord       `json:"metricFilters,omitempty"`
}

type subscriptionRecord struct {
	Pattern      string `json:"pattern"`
	Destination  string `json:"destination"`
	Role         string `json:"role,omitempty"`
	Distribution string `json:"distribution,omitempty"`
	Created      int64  `json:"created"`
}

type metricRecord struct {
	Pattern         string           `json:"pattern"`
	Transformations []transformation `json:"transformations"`
	Created         int64            `json:"created"`
}

type transformation struct {
	Name       string            `json:"name"`
	Namespace  string            `json:"namespace"`
	Value      string            `json:"value"`
	Default    *float64          `json:"default,omitempty"`
	Dimensions map[string]string `json:"dimensions,omitempty"`
	Unit       string            `json:"unit,omitempty"`
}

type streamRecord struct {
	Created int64 `json:"created"`
}

type eventRecord struct {
	TS     int64  `json:"ts"`
	Ingest int64  `json:"ingest"`
	Msg    string `json:"msg"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// groupEntry encodes g's own record (not its streams) as the journal and
// snapshots store it: namespace, key and JSON value. The caller holds the
// region lock.
func groupEntry(k regionKey, g *logGroup) (ns, key string, value []byte, err error) {
	rec := groupRecord{
		Account: k.account, Region: k.region, Name: g.name, Created: g.created,
		Retention: g.retention, Class: g.class, KmsKeyID: g.kmsKeyID,
		DeletionProtection: g.deletionProtection, Tags: g.tags,
	}
	if len(g.subscriptions) > 0 {
		rec.Subscriptions = map[string]*subscriptionRecord{}
		for name, f := range g.subscriptions {
			rec.Subscriptions[name] = &subscriptionRecord{
				Pattern: str(f.FilterPattern), Destination: str(f.DestinationArn), Role: str(f.RoleArn),
				Distribution: str(f.Distribution), Created: *f.CreationTime,
			}
		}
	}
	if len(g.metricFilters) > 0 {
		rec.MetricFilters = map[string]*metricRecord{}
		for name, f := range g.metricFilters {
			m := &metricRecord{Pattern: str(f.FilterPattern), Created: *f.CreationTime}
			for _, t := range f.MetricTransformations {
				m.Transformations = append(m.Transformations, transformation{
					Name: str(t.MetricName), Namespace: str(t.MetricNamespace), Value: str(t.MetricValue),
					Default: t.DefaultValue, Dimensions: t.Dimensions, Unit: str(t.Unit),
				})
			}
			rec.MetricFilters[name] = m
		}
	}
	value, err = json.Marshal(rec)
	return nsGroups, groupKey(k, g.name), value, err
}

// streamEntry encodes a stream's record (namespace, key and JSON value).
func streamEntry(k regionKey, g *logGroup, st *logStream) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(streamRecord{Created: st.created})
	return nsStreams, streamKey(k, g.name, st.name), value, err
}

// eventEntry encodes an event's record (namespace, key and JSON value).
func eventEntry(k regionKey, g *logGroup, st *logStream, e event) (ns, key string, value []byte, err error) {
	value, err = json.Marshal(eventRecord{TS: e.ts, Ingest: e.ingest, Msg: e.msg})
	return nsEvents, eventJournalKey(k, g.name, st.name, e.seq), value, err
}

// persistGroup journals g's own record (not its streams). The caller holds
// the region lock.
func (s *Store) persistGroup(k regionKey, g *logGroup) error {
	if !s.persistent {
		return nil
	}
	ns, key, b, err := groupEntry(k, g)
	if err != nil {
		return errInternal(err)
	}
	if err := s.journal.Put(ns, key, b); err != nil {
		return errInternal(err)
	}
	return nil
}

// unpersistGroup journals the deletion of a group with its streams and
// events.
func (s *Store) unpersistGroup(k regionKey, name string) error {
	if !s.persistent {
		return nil
	}
	prefix := groupKey(k, name) + ":"
	if err := s.journal.DeletePrefix(nsEvents, prefix); err != nil {
		return errInternal(err)
	}
	if err := s.journal.DeletePrefix(nsStreams, prefix); err != nil {
		return errInternal(err)
	}
	if err := s.journal.Delete(nsGroups, groupKey(k, name)); err != nil {
		return errInternal(err)
	}
	return nil
}

func (s *Store) persistStream(k regionKey, g *logGroup, st *logStream) error {
	if !s.persistent {
		return nil
	}
	ns, key, b, err := streamEntry(k, g, st)
	if err != nil {
		return errInternal(err)
	}
	if err := s.journal.Put(ns, key, b); err != nil {
		return errInternal(err)
	}
	return nil
}

func (s *Store) unpersistStream(k regionKey, g *logGroup, st *logStream) error {
	if !s.persistent {
		return nil
	}
	if err := s.journal.DeletePrefix(nsEvents, streamKey(k, g.name, st.name)+":"); err != nil {
		return errInternal(err)
	}
	if err := s.journal.Delete(nsStreams, streamKey(k, g.name, st.name)); err != nil {
		return errInternal(err)
	}
	return nil
}

func (s *Store) persistEvents(k regionKey, g *logGroup, st *logStream, evs []event) error {
	if !s.persistent {
		return nil
	}
	for _, e := range evs {
		ns, key, b, err := eventEntry(k, g, st, e)
		if err != nil {
			return errInternal(err)
		}
		if err := s.journal.Put(ns, key, b); err != nil {
			return errInternal(err)
		}
	}
	return nil
}

// unpersistEvents journals the expiry of events; failures are logged, as
// the events are gone either way and a restart expires them again.
func (s *Store) unpersistEvents(k regionKey, g *logGroup, st *logStream, evs []event) {
	if !s.persistent {
		return
	}
	for _, e := range evs {
		if err := s.journal.Delete(nsEvents, eventJournalKey(k, g.name, st.name, e.seq)); err != nil {
			s.log.Error("logs: journal", "group", g.name, "error", err)
			return
		}
	}
}

// restore rebuilds the groups, streams and events recorded in the journal,
// or in a snapshot (Restore). strict, for snapshots, also rejects streams
// and events with no group or stream record, duplicates, names the API
// would refuse, and records filed under a key that is not theirs.
func (s *Store) restore(replay func(func(ns, key string, value []byte) error) error, strict bool) error {
	groups := map[string]*logGroup{}
	streams := map[string]*logStream{}
	streamGroup := map[string]*logGroup{}
	seen := map[string]bool{}
	err := replay(func(ns, key string, value []byte) error {
		switch ns {
		case nsGroups:
			var rec groupRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("group record %s: %w", key, err)
			}
			k := regionKey{rec.Account, rec.Region}
			if strict {
				if key != groupKey(k, rec.Name) || rec.Account == "" || rec.Region == "" || checkName(rec.Name, "x") != nil || groups[key] != nil {
					return fmt.Errorf("group record %s: bad or duplicate name, account or region", key)
				}
				for name, f := range rec.Subscriptions {
					if f == nil {
						return fmt.Errorf("group record %s: subscription filter %s: empty", key, name)
					}
				}
				for name, f := range rec.MetricFilters {
					if f == nil {
						return fmt.Errorf("group record %s: metric filter %s: empty", key, name)
					}
				}
			}
			g := newGroup(rec.Name, rec.Created)
			g.retention, g.class, g.kmsKeyID, g.deletionProtection = rec.Retention, rec.Class, rec.KmsKeyID, rec.DeletionProtection
			if rec.Tags != nil {
				g.tags = rec.Tags
			}
			for name, f := range rec.Subscriptions {
				g.subscriptions[name] = &api.SubscriptionFilter{
					FilterName: ptr(name), LogGroupName: ptr(rec.Name), FilterPattern: ptr(f.Pattern),
					DestinationArn: ptr(f.Destination), RoleArn: optional(f.Role), Distribution: optional(f.Distribution),
					CreationTime: ptr(f.Created),
				}
			}
			for name, f := range rec.MetricFilters {
				m := &api.MetricFilter{FilterName: ptr(name), LogGroupName: ptr(rec.Name), FilterPattern: ptr(f.Pattern), CreationTime: ptr(f.Created)}
				for _, t := range f.Transformations {
					m.MetricTransformations = append(m.MetricTransformations, api.MetricTransformation{
						MetricName: ptr(t.Name), MetricNamespace: ptr(t.Namespace), MetricValue: ptr(t.Value),
						DefaultValue: t.Default, Dimensions: t.Dimensions, Unit: optional(t.Unit),
					})
				}
				g.metricFilters[name] = m
			}
			r := s.regionFor(k, true)
			r.groups[rec.Name] = g
			groups[key] = g
		case nsStreams:
			i := strings.LastIndexByte(key, ':')
			g := groups[key[:max(i, 0)]]
			if i < 0 || g == nil {
				if strict {
					return fmt.Errorf("stream record %s: no such log group", key)
				}
				return nil
			}
			if strict && (checkName(g.name, key[i+1:]) != nil || streams[key] != nil) {
				return fmt.Errorf("stream record %s: bad or duplicate name", key)
			}
			var rec streamRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("stream record %s: %w", key, err)
			}
			st := &logStream{name: key[i+1:], created: rec.Created}
			g.streams[st.name] = st
			streams[key] = st
			streamGroup[key] = g
		case nsEvents:
			i := strings.LastIndexByte(key, ':')
			st := streams[key[:max(i, 0)]]
			if i < 0 || st == nil {
				if strict {
					return fmt.Errorf("event record %s: no such log stream", key)
				}
				return nil
			}
			seq, err := strconv.ParseUint(key[i+1:], 10, 64)
			if err != nil {
				return fmt.Errorf("event key %s: %w", key, err)
			}
			var rec eventRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				return fmt.Errorf("event record %s: %w", key, err)
			}
			if strict {
				if rec.Msg == "" || !utf8.ValidString(rec.Msg) || seq == 0 || key[i+1:] != fmt.Sprintf("%020d", seq) || seen[key] {
					return fmt.Errorf("event record %s: bad message, bad sequence or duplicate", key)
				}
				seen[key] = true
			}
			st.insert([]event{{ts: rec.TS, seq: seq, ingest: rec.Ingest, msg: rec.Msg}})
			st.lastIngestion = max(st.lastIngestion, rec.Ingest)
			if g := streamGroup[key[:i]]; g.nextSeq < seq {
				g.nextSeq = seq
			}
		}
		return nil
	})
	return err
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
