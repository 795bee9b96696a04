// Package state makes service state durable: a journal of key-value records,
// stores for object bodies, and whole-state archives.
//
// # Durability model
//
// Services keep their state in plain Go types in memory and mirror every
// change into a [Log] before acknowledging it. In memory mode the Log is
// [Discard]; with a data directory it is a [*Journal], and a restart replays
// the journal to rebuild the state. A change is durable against kill -9 once
// Put, Delete or DeletePrefix returns: the record has reached the operating
// system with one write(2). [Options.Sync] adds an fsync per record for
// durability against power loss.
//
// Object bodies are kept apart from the journal in a [Blobs] store
// ([DirBlobs] under a data directory, [MemBlobs] otherwise). The journal
// records refer to bodies by id. Services keep this order so that a crash at
// any point leaves at most an unreferenced body, never a reference to a
// missing one:
//
//  1. write the body and Commit it;
//  2. journal the record that refers to its id;
//  3. when dropping a body, journal the change first, then Remove the body;
//  4. after replaying at start, drop unreferenced bodies with [DirBlobs.Sweep].
//
// # Data directory layout
//
//	DIR/journal/journal.log   the journal (see below)
//	DIR/journal/LOCK          held (flock) by the process using the journal
//	DIR/blobs/LOCK            held (flock) by the process using the blobs
//	DIR/blobs/xx/<id>         a committed body; xx is the id's first two digits
//	DIR/blobs/tmp/            bodies being written; emptied at open
//
// # Journal format
//
// The file starts with the 8 bytes "virgaJ1\n", followed by records:
//
//	length   uint32 little-endian: the number of body bytes (1 to MaxRecordSize)
//	crc      uint32 little-endian: CRC-32C (Castagnoli) of the body
//	hcrc     uint32 little-endian: CRC-32C of the 8 bytes above
//	body     op byte, uvarint len(ns), ns, uvarint len(key), key, value
//
// where op is 1 (Put: value follows), 2 (Delete: no value) or 3
// (DeletePrefix: key is the prefix, no value). A record cut short at the end
// of the file, a final record whose body fails its CRC, and a tail of zero
// bytes are what a killed process leaves behind: they are ignored and
// truncated away at open. Any other damage is reported with its offset.
//
// # Archive format
//
// A state archive (the body of /_virga/state save and load) is a tar stream
// (POSIX ustar/PAX as written by archive/tar) holding, in this order:
//
//	manifest.json      {"format":"virga-state","version":1,"services":[...],"blobs":N}
//	blobs/<id>         one entry per object body, named by its blob id
//	<service>.json     one entry per service, written by its Snapshotter
//
// Bodies come first so that a service's Restore may open the bodies it
// refers to. Blob ids are kept across save and load, so a service snapshot
// can name bodies by id. See [WriteArchive] and [ReadArchive].
package state

import (
	"errors"
	"log/slog"
)

// Options configures OpenJournal and OpenDirBlobs. The zero value is the
// default: no fsync, compaction past 64 MiB of dead records.
type Options struct {
	// Sync makes every journal record and every committed body reach stable
	// storage (fsync) before the call returns. Without it a write survives the
	// process being killed but not the machine losing power.
	Sync bool
	// CompactMinDead is the number of dead journal bytes (overwritten or
	// deleted records) below which the journal is never compacted; 0 means
	// 64 MiB. The journal is compacted once its dead bytes exceed both this
	// and half of the file.
	CompactMinDead int64
	// Logger receives errors of automatic compaction, which never fail the
	// write that triggered it; nil means slog.Default().
	Logger *slog.Logger
}

// ErrClosed is returned by operations on a closed Journal or MemBlobs.
var ErrClosed = errors.New("state: closed")

// ErrLocked is returned when another process holds the data directory.
var ErrLocked = errors.New("state: data directory in use by another process")
