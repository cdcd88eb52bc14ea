/* SPDX-License-Identifier: MIT */
/* The LMDB archive: zstd blobs by SHA-256, records, indexes, seen keys. */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <zstd.h>

#include "archive.h"
#include "archive_p.h"
#include "buf.h"
#include "file.h"
#include "log.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	unsigned int	 flags;
} archive_dbs[DB_COUNT] = {
	{ "meta", 0 },
	{ "blobs", 0 },
	{ "messages", 0 },
	{ "by_addr", MDB_DUPSORT },
	{ "by_msgid", MDB_DUPSORT },
	{ "by_time", 0 },
	{ "seen", 0 },
	{ "by_blob", 0 },
	{ "revisions", 0 },
	{ "seen_facts", 0 }
};

/* Tests only (archive_set_initial_mapsize); set before any open. */
static size_t archive_initial_mapsize = ARCHIVE_DEFAULT_MAPSIZE;
/* archive_set_lock_wait: how long a writer waits for another. */
static unsigned archive_lock_wait = ARCHIVE_LOCK_WAIT;
/* archive_set_insecure: insecure_permissions = yes. */
static int archive_insecure;

/*
 * Byte order helpers.
 */

void
archive_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void
archive_be64(unsigned char *p, uint64_t v)
{
	archive_be32(p, v >> 32);
	archive_be32(p + 4, (uint32_t)v);
}

uint32_t
archive_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint64_t
archive_get64(const unsigned char *p)
{
	return (uint64_t)archive_get32(p) << 32 | archive_get32(p + 4);
}

/*
 * Errors.
 */

enum jh_status
archive_mdb_status(int rc)
{
	switch (rc) {
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_NOTFOUND:
		return JH_EDATA;
	case MDB_BAD_VALSIZE:
	case MDB_BAD_TXN:
	case MDB_BAD_DBI:
	case MDB_BAD_RSLOT:
	case EINVAL:
		return JH_ESOFTWARE;
	case ARCHIVE_EWLOCKED:
		return JH_ETEMP;
	default:
		return JH_EIO;
	}
}

enum jh_status
archive_mdb_err(const struct archive *ar, struct jh_err *err, int rc,
    const char *what)
{
	if (rc == ARCHIVE_EWLOCKED)
		return jh_err_set(err, JH_ETEMP, ARCHIVE_EWLOCKED, "archive "
		    "%s: %s: another process (%s) has been writing to it "
		    "for over %u s; try again later, or raise lock_wait in "
		    "[archive]",
		    ar->path, what, ar->wlock_holder[0] != '\0' ?
		    ar->wlock_holder : "pid unknown", archive_lock_wait);
	return jh_err_set(err, archive_mdb_status(rc), rc, "archive %s: %s: %s",
	    ar->path, what, mdb_strerror(rc));
}

enum jh_status
archive_corrupt(const struct archive *ar, struct jh_err *err,
    const char *what, uint64_t id)
{
	return jh_err_set(err, JH_EDATA, MDB_CORRUPTED,
	    "archive %s: %s %" PRIu64 ": corrupt", ar->path, what, id);
}

/*
 * Transactions and the map size.
 */

/*
 * The writer lock.  LMDB admits one write transaction at a time and makes
 * the others wait without a time limit, so a writer stuck elsewhere (an
 * import reading from a pipe that stalls, a stopped process) would hang
 * every cron fetch behind it.  Each top-level write transaction therefore
 * holds an flock on ARCHIVE/jharvest-writer.lock, taken before LMDB's own
 * lock and waited for at most archive_lock_wait seconds; the file names
 * the holder's pid for the message.  The kernel drops it when a writer
 * dies, as LMDB's robust mutex does.
 */
void
archive_set_lock_wait(unsigned seconds)
{
	archive_lock_wait = seconds;
}

void
archive_set_insecure(int yes)
{
	archive_insecure = yes;
}

/*
 * As OpenSSH treats ~/.ssh: in a directory that others may write, they
 * could put links where jharvest and LMDB create files, or swap the
 * files themselves; one owned by another user is not ours to write.
 */
static enum jh_status
archive_check_dir(const char *dir, enum archive_mode mode,
    struct jh_err *err)
{
	struct stat sb;

	if (stat(dir, &sb) == -1)
		return jh_err_set(err, mode == ARCHIVE_WRITE ? JH_ECANTCREAT :
		    JH_EIO, errno, "archive %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return jh_err_set(err, JH_ECANTCREAT, ENOTDIR,
		    "archive %s: not a directory", dir);
	if (archive_insecure)
		return JHARVEST_OK;
	if (sb.st_mode & 022)
		return jh_err_set(err, JH_ECANTCREAT, 0, "archive %s: "
		    "writable by group or others (mode %04o): chmod go-w it, "
		    "or set insecure_permissions = yes in [archive]", dir,
		    (unsigned)(sb.st_mode & 07777));
	if (mode == ARCHIVE_WRITE && sb.st_uid != geteuid())
		return jh_err_set(err, JH_ECANTCREAT, 0, "archive %s: owned "
		    "by uid %u, not by the user writing to it (uid %u): run "
		    "jharvest as its owner, or set insecure_permissions = yes "
		    "in [archive]", dir, (unsigned)sb.st_uid,
		    (unsigned)geteuid());
	return JHARVEST_OK;
}

int
archive_err_locked(const struct jh_err *err)
{
	return err->code == JH_ETEMP && err->cause == ARCHIVE_EWLOCKED;
}

static int
archive_wlock(struct archive *ar)
{
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	char line[32];
	time_t start = time(NULL);
	ssize_t n;
	int said = 0;

	while (flock(ar->wlock_fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return errno;
		n = pread(ar->wlock_fd, line, sizeof(line) - 1, 0);
		line[n > 0 ? n : 0] = '\0';
		line[strcspn(line, "\n")] = '\0';
		snprintf(ar->wlock_holder, sizeof(ar->wlock_holder), "pid %s",
		    line[0] != '\0' ? line : "unknown");
		if (time(NULL) - start >= (time_t)archive_lock_wait)
			return ARCHIVE_EWLOCKED;
		if (!said && time(NULL) - start >= 5) {
			log_verbose("archive %s: waiting up to %u s for "
			    "another writer (%s)", ar->path, archive_lock_wait,
			    ar->wlock_holder);
			said = 1;
		}
		nanosleep(&pause, NULL);
	}
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (ftruncate(ar->wlock_fd, 0) == -1 ||
	    pwrite(ar->wlock_fd, line, (size_t)n, 0) != n)
		log_debug(DEBUG_ARCHIVE, "archive %s: writer lock: %s",
		    ar->path, strerror(errno));
	return 0;
}

static void
archive_wunlock(struct archive *ar)
{
	ar->wtxn = NULL;
	if (ar->wlock_fd != -1)
		(void)flock(ar->wlock_fd, LOCK_UN);
}

/*
 * Begin a transaction, adopting a map another process has grown.  A
 * top-level write transaction takes the writer lock first; end it with
 * archive_txn_commit or archive_txn_abort, which drop the lock.
 */
int
archive_txn_begin(struct archive *ar, MDB_txn *parent, unsigned int flags,
    MDB_txn **txnp)
{
	int rc, wlock;

	*txnp = NULL;
	wlock = parent == NULL && !(flags & MDB_RDONLY) && ar->wlock_fd != -1;
	if (wlock && (rc = archive_wlock(ar)) != 0)
		return rc;
	rc = mdb_txn_begin(ar->env, parent, flags, txnp);
	if (rc == MDB_MAP_RESIZED && parent == NULL) {
		log_debug(DEBUG_ARCHIVE, "archive %s: map grown elsewhere",
		    ar->path);
		if ((rc = mdb_env_set_mapsize(ar->env, 0)) == 0)
			rc = mdb_txn_begin(ar->env, parent, flags, txnp);
	}
	if (rc != 0) {
		*txnp = NULL;
		if (wlock)
			archive_wunlock(ar);
		return rc;
	}
	if (wlock)
		ar->wtxn = *txnp;
	return 0;
}

int
archive_txn_commit(struct archive *ar, MDB_txn *txn)
{
	int rc, mine = txn != NULL && txn == ar->wtxn;

	rc = mdb_txn_commit(txn);
	if (mine)
		archive_wunlock(ar);
	return rc;
}

void
archive_txn_abort(struct archive *ar, MDB_txn *txn)
{
	int mine = txn != NULL && txn == ar->wtxn;

	mdb_txn_abort(txn);
	if (mine)
		archive_wunlock(ar);
}

/* Double the map.  No transaction of this process may be active. */
int
archive_grow(struct archive *ar)
{
	MDB_envinfo info;
	size_t size;
	int rc;

	if ((rc = mdb_env_info(ar->env, &info)) != 0)
		return rc;
	if (info.me_mapsize > SIZE_MAX / 2)
		return MDB_MAP_FULL;
	size = info.me_mapsize * 2;
	log_debug(DEBUG_ARCHIVE, "archive %s: map size %zu -> %zu", ar->path,
	    info.me_mapsize, size);
	return mdb_env_set_mapsize(ar->env, size);
}

/* Begin the batch, growing the map first if it is three quarters full. */
enum jh_status
archive_batch_begin(struct archive *ar, struct jh_err *err)
{
	MDB_envinfo info;
	MDB_stat st;
	uint64_t used;
	int rc;

	if (ar->batch != NULL)
		return JHARVEST_OK;
	if (mdb_env_info(ar->env, &info) == 0 &&
	    mdb_env_stat(ar->env, &st) == 0) {
		used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
		if (used > info.me_mapsize / 4 * 3 &&
		    (rc = archive_grow(ar)) != 0)
			return archive_mdb_err(ar, err, rc, "grow map");
	}
	rc = archive_txn_begin(ar, NULL, 0, &ar->batch);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "begin write");
	ar->nputs = ar->nbytes = 0;
	return JHARVEST_OK;
}

enum jh_status
archive_rtxn(struct archive *ar, MDB_txn **txnp, struct jh_err *err)
{
	int rc;

	rc = archive_txn_begin(ar, NULL, MDB_RDONLY, txnp);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "begin read");
	return JHARVEST_OK;
}

/*
 * Opening.
 */

enum jh_status
archive_random(const struct archive *ar, unsigned char *p, size_t n,
    struct jh_err *err)
{
	ssize_t r;
	int fd;

	if (getrandom(p, n, 0) == (ssize_t)n)
		return JHARVEST_OK;
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return jh_err_set(err, JH_EIO, errno, "archive %s: "
		    "/dev/urandom: %s", ar->path, strerror(errno));
	r = read(fd, p, n);
	close(fd);
	if (r != (ssize_t)n)
		return jh_err_set(err, JH_EIO, errno, "archive %s: "
		    "/dev/urandom: short read", ar->path);
	return JHARVEST_OK;
}

int
archive_meta_put(struct archive *ar, MDB_txn *txn, const char *name,
    void *data, size_t size)
{
	MDB_val k, v;
	char key[32];

	snprintf(key, sizeof(key), "%s", name);
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = data;
	v.mv_size = size;
	return mdb_put(txn, ar->dbi[DB_META], &k, &v, 0);
}

/* 0 and the value, or an LMDB code (MDB_NOTFOUND). */
int
archive_meta_get(struct archive *ar, MDB_txn *txn, const char *name,
    MDB_val *v)
{
	MDB_val k;
	char key[32];

	snprintf(key, sizeof(key), "%s", name);
	k.mv_data = key;
	k.mv_size = strlen(key);
	return mdb_get(txn, ar->dbi[DB_META], &k, v);
}

/* Create the databases and meta keys of a new archive. */
enum jh_status
archive_create(struct archive *ar, MDB_txn *txn, struct jh_err *err)
{
	unsigned char uuid[ARCHIVE_UUID_LEN], b[8], chain[HASH_LEN];
	enum jh_status st;
	int i, rc;

	for (i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, archive_dbs[i].name,
		    archive_dbs[i].flags | MDB_CREATE, &ar->dbi[i]);
		if (rc != 0)
			return archive_mdb_err(ar, err, rc,
			    archive_dbs[i].name);
	}
	if ((st = archive_random(ar, uuid, sizeof(uuid), err)) != JHARVEST_OK)
		return st;
	archive_be32(b, ARCHIVE_SCHEMA_VERSION);
	if ((rc = archive_meta_put(ar, txn, "schema", b, 4)) != 0)
		goto fail;
	if ((rc = archive_meta_put(ar, txn, "uuid", uuid, sizeof(uuid))) != 0)
		goto fail;
	archive_be64(b, (uint64_t)time(NULL));
	if ((rc = archive_meta_put(ar, txn, "created", b, 8)) != 0)
		goto fail;
	archive_be64(b, 1);
	if ((rc = archive_meta_put(ar, txn, "next_id", b, 8)) != 0)
		goto fail;
	memset(chain, 0, sizeof(chain));
	if ((rc = archive_meta_put(ar, txn, "chain_head", chain,
	    sizeof(chain))) != 0)
		goto fail;
	log_debug(DEBUG_ARCHIVE, "archive %s: created", ar->path);
	return JHARVEST_OK;
fail:
	return archive_mdb_err(ar, err, rc, "write meta");
}

/* Check the schema of an existing archive and open its databases. */
enum jh_status
archive_check(struct archive *ar, MDB_txn *txn, struct jh_err *err)
{
	MDB_val v;
	uint32_t schema;
	unsigned int flags;
	int i, rc;

	rc = mdb_dbi_open(txn, "meta", 0, &ar->dbi[DB_META]);
	if (rc == 0)
		rc = archive_meta_get(ar, txn, "schema", &v);
	if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE ||
	    (rc == 0 && v.mv_size != 4))
		return jh_err_set(err, JH_EDATA, rc, "archive %s: "
		    "not a jharvest archive: no schema", ar->path);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "read schema");
	schema = archive_get32(v.mv_data);
	if (schema > ARCHIVE_SCHEMA_VERSION)
		return jh_err_set(err, JH_EDATA, 0, "archive %s has schema %"
		    PRIu32 ", this jharvest reads up to %d: upgrade jharvest",
		    ar->path, schema, ARCHIVE_SCHEMA_VERSION);
	if (schema == 0)
		return jh_err_set(err, JH_EDATA, 0, "archive %s: bad schema 0",
		    ar->path);
	for (i = 0; i < DB_COUNT; i++) {
		flags = archive_dbs[i].flags;
		if (ar->mode == ARCHIVE_WRITE)
			flags |= MDB_CREATE;
		rc = mdb_dbi_open(txn, archive_dbs[i].name, flags, &ar->dbi[i]);
		/* Archives written before the revision log can be read. */
		if (rc == MDB_NOTFOUND && i == DB_REVISIONS) {
			ar->no_revisions = 1;
			continue;
		}
		/* And before the seen facts: every key's are unknown. */
		if (rc == MDB_NOTFOUND && i == DB_SEEN_FACTS) {
			ar->no_facts = 1;
			continue;
		}
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
			return jh_err_set(err, JH_EDATA, rc, "archive %s: "
			    "database %s missing or damaged", ar->path,
			    archive_dbs[i].name);
		if (rc != 0)
			return archive_mdb_err(ar, err, rc,
			    archive_dbs[i].name);
	}
	return JHARVEST_OK;
}

enum jh_status
archive_init(struct archive *ar, struct jh_err *err)
{
	MDB_txn *txn = NULL;
	MDB_dbi maindb;
	MDB_stat ms;
	enum jh_status st;
	int rc;

	rc = archive_txn_begin(ar, NULL,
	    ar->mode == ARCHIVE_READ ? MDB_RDONLY : 0, &txn);
	if (rc != 0) {
		st = archive_mdb_err(ar, err, rc, "begin");
		goto cleanup;
	}
	if ((rc = mdb_dbi_open(txn, NULL, 0, &maindb)) != 0 ||
	    (rc = mdb_stat(txn, maindb, &ms)) != 0) {
		st = archive_mdb_err(ar, err, rc, "open");
		goto cleanup;
	}
	if (ms.ms_entries == 0 && ar->mode == ARCHIVE_WRITE)
		st = archive_create(ar, txn, err);
	else if (ms.ms_entries == 0)
		st = jh_err_set(err, JH_EDATA, 0, "no archive at %s",
		    ar->path);
	else
		st = archive_check(ar, txn, err);
	if (st != JHARVEST_OK)
		goto cleanup;
	/* Even a read transaction must commit to keep its dbi handles. */
	rc = archive_txn_commit(ar, txn);
	txn = NULL;
	if (rc != 0)
		st = archive_mdb_err(ar, err, rc, "commit");
cleanup:
	archive_txn_abort(ar, txn);
	return st;
}

void
archive_set_initial_mapsize(size_t bytes)
{
	archive_initial_mapsize = bytes ? bytes : ARCHIVE_DEFAULT_MAPSIZE;
}

enum jh_status
archive_open(const char *dir, enum archive_mode mode, struct archive **arp,
    struct jh_err *err)
{
	struct archive *ar;
	struct stat sb;
	MDB_envinfo info;
	char *data;
	enum jh_status st;
	unsigned int flags;
	int rc, exists;

	*arp = NULL;
	ar = xcalloc(1, sizeof(*ar));
	ar->path = xstrdup(dir);
	ar->mode = mode;
	ar->wlock_fd = -1;
	data = xasprintf("%s/data.mdb", dir);
	exists = stat(data, &sb) == 0;
	if (!exists && errno != ENOENT && errno != ENOTDIR) {
		st = jh_err_set(err, JH_EIO, errno, "archive %s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	if (!exists && mode == ARCHIVE_READ) {
		st = jh_err_set(err, JH_EDATA, 0, "no archive at %s", dir);
		goto fail;
	}
	if (mode == ARCHIVE_WRITE && mkdir(dir, 0700) == -1 &&
	    errno != EEXIST) {
		st = jh_err_set(err, JH_ECANTCREAT, errno,
		    "archive %s: cannot create: %s", dir, strerror(errno));
		goto fail;
	}
	if ((exists || mode == ARCHIVE_WRITE) &&
	    (st = archive_check_dir(dir, mode, err)) != JHARVEST_OK)
		goto fail;

	if ((rc = mdb_env_create(&ar->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(ar->env, ARCHIVE_MAXDBS)) != 0) {
		st = archive_mdb_err(ar, err, rc, "create environment");
		goto fail;
	}
	/* An existing archive keeps the map size it grew to. */
	if (!exists &&
	    (rc = mdb_env_set_mapsize(ar->env, archive_initial_mapsize)) != 0) {
		st = archive_mdb_err(ar, err, rc, "set map size");
		goto fail;
	}
	flags = MDB_NOTLS;
	if (mode == ARCHIVE_READ)
		flags |= MDB_RDONLY;
	if ((rc = mdb_env_open(ar->env, dir, flags, 0600)) != 0) {
		if (mode == ARCHIVE_WRITE && (rc == EACCES || rc == EPERM ||
		    rc == EROFS || rc == ENOENT || rc == ENOTDIR))
			st = jh_err_set(err, JH_ECANTCREAT, rc,
			    "archive %s: cannot create: %s", dir,
			    mdb_strerror(rc));
		else
			st = archive_mdb_err(ar, err, rc, "open");
		goto fail;
	}
	if (mode == ARCHIVE_WRITE) {
		free(data);
		data = xasprintf("%s/jharvest-writer.lock", dir);
		ar->wlock_fd = file_open_lock(data);
		if (ar->wlock_fd == -1) {
			st = jh_err_set(err, JH_ECANTCREAT, errno,
			    "archive %s: %s: %s", dir, data, strerror(errno));
			goto fail;
		}
	}
	if (mode == ARCHIVE_WRITE && mdb_env_info(ar->env, &info) == 0 &&
	    info.me_mapsize < archive_initial_mapsize &&
	    (rc = mdb_env_set_mapsize(ar->env, archive_initial_mapsize)) != 0) {
		st = archive_mdb_err(ar, err, rc, "set map size");
		goto fail;
	}
	if ((st = archive_init(ar, err)) != JHARVEST_OK)
		goto fail;
	free(data);
	*arp = ar;
	return JHARVEST_OK;
fail:
	free(data);
	archive_close(ar);
	return st;
}

void
archive_close(struct archive *ar)
{
	if (ar == NULL)
		return;
	archive_abort(ar);
	if (ar->env != NULL)
		mdb_env_close(ar->env);
	if (ar->wlock_fd != -1)
		close(ar->wlock_fd);
	free(ar->path);
	free(ar);
}

/*
 * Blobs.
 */

/* Store data under hash unless present: zstd when that is smaller. */
enum jh_status
archive_put_blob(struct archive *ar, MDB_txn *txn, const char *data,
    size_t size, const unsigned char hash[HASH_LEN], struct jh_err *err)
{
	unsigned char key[HASH_LEN], *out;
	MDB_val k, v;
	size_t bound, csize;
	int rc, codec;

	memcpy(key, hash, HASH_LEN);
	k.mv_data = key;
	k.mv_size = HASH_LEN;
	rc = mdb_get(txn, ar->dbi[DB_BLOBS], &k, &v);
	if (rc == 0)
		return JHARVEST_OK;
	if (rc != MDB_NOTFOUND)
		return archive_mdb_err(ar, err, rc, "read blob");

	bound = ZSTD_compressBound(size);
	out = xmalloc(bound);
	csize = ZSTD_compress(out, bound, data, size, ARCHIVE_ZSTD_LEVEL);
	codec = !ZSTD_isError(csize) && csize < size ? CODEC_ZSTD : CODEC_RAW;
	v.mv_size = 1 + (codec == CODEC_ZSTD ? csize : size);
	v.mv_data = NULL;
	rc = mdb_put(txn, ar->dbi[DB_BLOBS], &k, &v, MDB_RESERVE);
	if (rc == 0) {
		((unsigned char *)v.mv_data)[0] = codec;
		if (codec == CODEC_ZSTD)
			memcpy((char *)v.mv_data + 1, out, csize);
		else if (size > 0)
			memcpy((char *)v.mv_data + 1, data, size);
	}
	free(out);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "store blob");
	return JHARVEST_OK;
}

/* Copy or decompress a stored blob value into a new buffer. */
enum jh_status
archive_unpack(const struct archive *ar, const MDB_val *v,
    const char *hex, char **datap, size_t *lenp, struct jh_err *err)
{
	const unsigned char *p = v->mv_data;
	unsigned long long size;
	size_t n;
	char *out;

	if (v->mv_size < 1)
		goto corrupt;
	n = v->mv_size - 1;
	if (p[0] == CODEC_RAW) {
		out = xmalloc(n);
		if (n > 0)
			memcpy(out, p + 1, n);
		*datap = out;
		*lenp = n;
		return JHARVEST_OK;
	}
	if (p[0] != CODEC_ZSTD)
		goto corrupt;
	size = ZSTD_getFrameContentSize(p + 1, n);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size == ZSTD_CONTENTSIZE_ERROR ||
	    size / ARCHIVE_ZSTD_MAXRATIO > n || size > SIZE_MAX / 2)
		goto corrupt;
	out = xmalloc(size);
	n = ZSTD_decompress(out, size, p + 1, n);
	if (ZSTD_isError(n) || n != size) {
		free(out);
		goto corrupt;
	}
	*datap = out;
	*lenp = size;
	return JHARVEST_OK;
corrupt:
	return jh_err_set(err, JH_EDATA, MDB_CORRUPTED,
	    "archive %s: blob %s: corrupt", ar->path, hex);
}

enum jh_status
archive_blob(struct archive *ar, const unsigned char hash[HASH_LEN],
    char **datap, size_t *lenp, struct jh_err *err)
{
	unsigned char key[HASH_LEN], got[HASH_LEN];
	char hex[HASH_HEXLEN + 1];
	MDB_txn *txn = NULL;
	MDB_val k, v;
	enum jh_status st;
	char *data = NULL;
	size_t len = 0;
	int rc;

	*datap = NULL;
	*lenp = 0;
	hash_hex(hash, hex);
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		goto cleanup;
	memcpy(key, hash, HASH_LEN);
	k.mv_data = key;
	k.mv_size = HASH_LEN;
	rc = mdb_get(txn, ar->dbi[DB_BLOBS], &k, &v);
	if (rc == MDB_NOTFOUND) {
		st = jh_err_set(err, JH_EDATA, rc, "archive %s: blob %s: "
		    "no such blob", ar->path, hex);
		goto cleanup;
	}
	if (rc != 0) {
		st = archive_mdb_err(ar, err, rc, "read blob");
		goto cleanup;
	}
	if ((st = archive_unpack(ar, &v, hex, &data, &len, err)) !=
	    JHARVEST_OK)
		goto cleanup;
	mdb_txn_abort(txn);
	txn = NULL;
	hash_sha256(data, len, got);
	if (memcmp(got, hash, HASH_LEN) != 0) {
		st = jh_err_set(err, JH_EDATA, MDB_CORRUPTED,
		    "archive %s: blob %s: hash mismatch", ar->path, hex);
		goto cleanup;
	}
	*datap = data;
	*lenp = len;
	data = NULL;
cleanup:
	free(data);
	mdb_txn_abort(txn);
	return st;
}

/*
 * Records and indexes.
 */

enum jh_status
archive_load(struct archive *ar, MDB_txn *txn, uint64_t id,
    struct archive_record **rp, struct jh_err *err)
{
	unsigned char key[8];
	MDB_val k, v;
	int rc;

	*rp = NULL;
	archive_be64(key, id);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	rc = mdb_get(txn, ar->dbi[DB_MESSAGES], &k, &v);
	if (rc == MDB_NOTFOUND)
		return jh_err_set(err, JH_EDATA, rc, "archive %s: no record %"
		    PRIu64, ar->path, id);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "read record");
	return archive_decode(ar, id, &v, rp, err);
}

/* Add (key, id) to a dupsort index unless the pair is there. */
int
archive_index(struct archive *ar, MDB_txn *txn, enum archive_db db,
    struct archive_key *k, uint64_t id)
{
	unsigned char idb[8];
	MDB_val kv, v;
	int rc;

	if (k->len == 0)
		return 0;
	archive_be64(idb, id);
	kv.mv_data = k->b;
	kv.mv_size = k->len;
	v.mv_data = idb;
	v.mv_size = sizeof(idb);
	rc = mdb_put(txn, ar->dbi[db], &kv, &v, MDB_NODUPDATA);
	return rc == MDB_KEYEXIST ? 0 : rc;
}

int
archive_index_addr(struct archive *ar, MDB_txn *txn, const char *addr,
    uint64_t id)
{
	struct archive_key k;

	if (addr == NULL || addr[0] == '\0')
		return 0;
	archive_addr_key(&k, addr);
	return archive_index(ar, txn, DB_BY_ADDR, &k, id);
}

/* The by_time key: date offset by 2^63 so negative dates sort first. */
void
archive_time_key(unsigned char key[16], int64_t t, uint64_t id)
{
	archive_be64(key, (uint64_t)t ^ ((uint64_t)1 << 63));
	archive_be64(key + 8, id);
}

int
archive_index_record(struct archive *ar, MDB_txn *txn,
    const struct journal *j, int64_t archived_at, uint64_t id)
{
	struct archive_key k;
	unsigned char tkey[16];
	MDB_val kv, v;
	size_t i;
	int rc;

	for (i = 0; i < j->nrcpts; i++)
		if ((rc = archive_index_addr(ar, txn, j->rcpts[i].address,
		    id)) != 0)
			return rc;
	if ((rc = archive_index_addr(ar, txn, j->sender, id)) != 0 ||
	    (rc = archive_index_addr(ar, txn, j->on_behalf_of, id)) != 0)
		return rc;
	if (j->message_id != NULL && j->message_id[0] != '\0') {
		archive_msgid_key(&k, j->message_id);
		if ((rc = archive_index(ar, txn, DB_BY_MSGID, &k, id)) != 0)
			return rc;
	}
	archive_time_key(tkey, j->has_date ? j->date : archived_at, id);
	kv.mv_data = tkey;
	kv.mv_size = sizeof(tkey);
	v.mv_data = tkey;
	v.mv_size = 0;
	return mdb_put(txn, ar->dbi[DB_BY_TIME], &kv, &v, 0);
}

int
archive_put_id(struct archive *ar, MDB_txn *txn, enum archive_db db,
    void *key, size_t klen, uint64_t id)
{
	unsigned char idb[8];
	MDB_val k, v;

	archive_be64(idb, id);
	k.mv_data = key;
	k.mv_size = klen;
	v.mv_data = idb;
	v.mv_size = sizeof(idb);
	return mdb_put(txn, ar->dbi[db], &k, &v, 0);
}

/* Look up an 8-byte id value: 0 and *idp, MDB_NOTFOUND, or an error. */
int
archive_get_id(struct archive *ar, MDB_txn *txn, enum archive_db db,
    void *key, size_t klen, uint64_t *idp)
{
	MDB_val k, v;
	int rc;

	k.mv_data = key;
	k.mv_size = klen;
	if ((rc = mdb_get(txn, ar->dbi[db], &k, &v)) != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*idp = archive_get64(v.mv_data);
	return 0;
}

void
archive_revision_link(const unsigned char prev[HASH_LEN], uint64_t id,
    const unsigned char rec_hash[HASH_LEN], unsigned char link[HASH_LEN])
{
	unsigned char b[ARCHIVE_REV_LEN];

	memcpy(b, prev, HASH_LEN);
	archive_be64(b + HASH_LEN, id);
	memcpy(b + HASH_LEN + 8, rec_hash, HASH_LEN);
	hash_sha256(b, sizeof(b), link);
}

/* Append record id's new bytes rec to the revision log. */
int
archive_log_revision(struct archive *ar, MDB_txn *txn, uint64_t id,
    const MDB_val *rec)
{
	unsigned char key[8], val[ARCHIVE_REV_LEN], prev[HASH_LEN];
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t seq = 1;
	int rc;

	memset(prev, 0, sizeof(prev));
	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_REVISIONS], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && (k.mv_size != 8 || v.mv_size != ARCHIVE_REV_LEN))
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		seq = archive_get64(k.mv_data) + 1;
		memcpy(prev, v.mv_data, HASH_LEN);
	} else if (rc != MDB_NOTFOUND)
		goto out;
	archive_be64(key, seq);
	archive_be64(val + HASH_LEN, id);
	hash_sha256(rec->mv_data, rec->mv_size, val + HASH_LEN + 8);
	archive_revision_link(prev, id, val + HASH_LEN + 8, val);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = val;
	v.mv_size = sizeof(val);
	rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND);
out:
	mdb_cursor_close(cur);
	return rc;
}

enum jh_status
archive_write_record(struct archive *ar, MDB_txn *txn, uint64_t id,
    struct archive_enc *e, unsigned int flags, struct jh_err *err)
{
	unsigned char key[8];
	MDB_val k, v;
	int rc;

	if (e->bad)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: record %"
		    PRIu64 ": too large to encode", ar->path, id);
	archive_be64(key, id);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = e->b.data;
	v.mv_size = e->b.len;
	rc = mdb_put(txn, ar->dbi[DB_MESSAGES], &k, &v, flags);
	if (rc == MDB_KEYEXIST)
		return jh_err_set(err, JH_EDATA, rc, "archive %s: next_id %"
		    PRIu64 " is taken", ar->path, id);
	if (rc == 0)
		rc = archive_log_revision(ar, txn, id, &v);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "write record");
	return JHARVEST_OK;
}

/* A second copy of a stored original: merge recipients and source. */
enum jh_status
archive_merge(struct archive *ar, MDB_txn *txn, uint64_t id,
    const struct journal *meta, const struct archive_source *src,
    struct archive_put_result *res, struct jh_err *err)
{
	struct archive_record *r = NULL;
	struct archive_enc e;
	const struct journal_rcpt *nr;
	enum jh_status st;
	size_t i;
	int rc;

	archive_enc_init(&e);
	if ((st = archive_load(ar, txn, id, &r, err)) != JHARVEST_OK)
		goto cleanup;
	/* A report arriving after a plain copy tells more: keep its view. */
	if (journal_adopt(r->meta, meta) &&
	    (rc = archive_index_record(ar, txn, r->meta, r->archived_at,
	    id)) != 0) {
		st = archive_mdb_err(ar, err, rc, "index record");
		goto cleanup;
	}
	for (i = 0; i < meta->nrcpts; i++) {
		nr = &meta->rcpts[i];
		if (nr->address == NULL || !journal_add_rcpt(r->meta,
		    nr->address, nr->field, nr->expanded, nr->forwarded))
			continue;
		res->added_rcpts++;
		if ((rc = archive_index_addr(ar, txn, nr->address, id)) != 0) {
			st = archive_mdb_err(ar, err, rc, "index address");
			goto cleanup;
		}
	}
	archive_encode(&e, r->archived_at, r->blob, r->meta, r->sources,
	    r->nsources, src, (int64_t)time(NULL), r->prev_chain);
	st = archive_write_record(ar, txn, id, &e, 0, err);
	res->id = id;
cleanup:
	buf_free(&e.b);
	archive_record_free(r);
	return st;
}

/* Hash and store each part blob; the caller's hashes must be right. */
enum jh_status
archive_put_parts(struct archive *ar, MDB_txn *txn, const char *raw,
    const struct journal *meta, struct jh_err *err)
{
	const struct journal_part *p;
	unsigned char h[HASH_LEN];
	enum jh_status st;
	size_t i;

	for (i = 0; i < meta->nparts; i++) {
		p = &meta->parts[i];
		hash_sha256(raw + p->offset, p->size, h);
		if (memcmp(h, p->sha256, HASH_LEN) != 0)
			return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: "
			    "part %zu: SHA-256 does not match", ar->path, i);
		st = archive_put_blob(ar, txn, raw + p->offset, p->size, h,
		    err);
		if (st != JHARVEST_OK)
			return st;
	}
	return JHARVEST_OK;
}

enum jh_status
archive_put_new(struct archive *ar, MDB_txn *txn, const char *raw,
    const struct journal *meta, const struct archive_source *src,
    const unsigned char blob[HASH_LEN], struct archive_put_result *res,
    struct jh_err *err)
{
	unsigned char prev[HASH_LEN], head[HASH_LEN], b[8], chain[8 + 8];
	unsigned char bkey[HASH_LEN];
	struct archive_enc e;
	struct buf cb;
	MDB_val v;
	enum jh_status st;
	uint64_t id;
	int64_t now;
	int rc;

	archive_enc_init(&e);
	buf_init(&cb, 2 * HASH_LEN + 16);
	st = archive_put_blob(ar, txn, raw + meta->orig_offset,
	    meta->orig_size, blob, err);
	if (st != JHARVEST_OK)
		goto cleanup;
	if ((st = archive_put_parts(ar, txn, raw, meta, err)) != JHARVEST_OK)
		goto cleanup;

	if ((rc = archive_meta_get(ar, txn, "next_id", &v)) != 0 ||
	    v.mv_size != 8) {
		st = rc ? archive_mdb_err(ar, err, rc, "read next_id") :
		    archive_corrupt(ar, err, "meta next_id", 0);
		goto cleanup;
	}
	id = archive_get64(v.mv_data);
	rc = archive_meta_get(ar, txn, "chain_head", &v);
	if (rc == 0 && v.mv_size == HASH_LEN)
		memcpy(prev, v.mv_data, HASH_LEN);
	else if (rc == 0 || rc == MDB_NOTFOUND)
		memset(prev, 0, HASH_LEN);
	else {
		st = archive_mdb_err(ar, err, rc, "read chain_head");
		goto cleanup;
	}

	now = (int64_t)time(NULL);
	archive_encode(&e, now, blob, meta, NULL, 0, src, now, prev);
	st = archive_write_record(ar, txn, id, &e, MDB_NOOVERWRITE, err);
	if (st != JHARVEST_OK)
		goto cleanup;

	/* chain_head = SHA-256(prev || id || blob || archived_at) */
	archive_be64(chain, id);
	archive_be64(chain + 8, (uint64_t)now);
	if (buf_append(&cb, prev, HASH_LEN) == -1 ||
	    buf_append(&cb, chain, 8) == -1 ||
	    buf_append(&cb, blob, HASH_LEN) == -1 ||
	    buf_append(&cb, chain + 8, 8) == -1) {
		st = jh_err_set(err, JH_ESOFTWARE, 0, "chain buffer");
		goto cleanup;
	}
	hash_sha256(cb.data, cb.len, head);

	memcpy(bkey, blob, HASH_LEN);
	archive_be64(b, id + 1);
	if ((rc = archive_put_id(ar, txn, DB_BY_BLOB, bkey, HASH_LEN,
	    id)) != 0 ||
	    (rc = archive_index_record(ar, txn, meta, now, id)) != 0 ||
	    (rc = archive_meta_put(ar, txn, "next_id", b, 8)) != 0 ||
	    (rc = archive_meta_put(ar, txn, "chain_head", head,
	    HASH_LEN)) != 0) {
		st = archive_mdb_err(ar, err, rc, "write indexes");
		goto cleanup;
	}
	res->id = id;
	res->is_new = 1;
cleanup:
	buf_free(&cb);
	buf_free(&e.b);
	return st;
}

/* One put inside txn (a child of the batch). */
enum jh_status
archive_put_txn(struct archive *ar, MDB_txn *txn, const char *raw,
    const struct journal *meta, const struct archive_source *src,
    const unsigned char blob[HASH_LEN], struct archive_put_result *res,
    struct jh_err *err)
{
	struct archive_key sk;
	unsigned char key[HASH_LEN];
	enum jh_status st;
	uint64_t id;
	int rc, has_seen;

	struct archive_facts old;
	uint64_t seen_id = 0;

	has_seen = archive_seen_key(src, &sk);
	if (has_seen) {
		rc = archive_get_id(ar, txn, DB_SEEN, sk.b, sk.len, &id);
		if (rc == 0 && (rc = archive_facts_get(ar, txn, &sk,
		    &old)) != 0)
			return archive_mdb_err(ar, err, rc, "read seen facts");
		if (rc == 0 && (!src->facts.known ||
		    archive_facts_equal(&old, &src->facts))) {
			res->dup_source = 1;
			res->id = id;
			return JHARVEST_OK;
		}
		if (rc == 0) {
			/* The key names another message, or an unknown one. */
			res->replaced = 1;
			seen_id = id;
		} else if (rc != MDB_NOTFOUND)
			return archive_mdb_err(ar, err, rc, "read seen");
	}
	memcpy(key, blob, HASH_LEN);
	rc = archive_get_id(ar, txn, DB_BY_BLOB, key, HASH_LEN, &id);
	if (rc == 0 && res->replaced && id == seen_id) {
		/* The very message archived under this key: facts only. */
		res->dup_source = 1;
		res->verified = 1;
		res->id = id;
		st = JHARVEST_OK;
	} else if (rc == 0)
		st = archive_merge(ar, txn, id, meta, src, res, err);
	else if (rc == MDB_NOTFOUND)
		st = archive_put_new(ar, txn, raw, meta, src, blob, res, err);
	else
		st = archive_mdb_err(ar, err, rc, "read by_blob");
	if (st != JHARVEST_OK || !has_seen)
		return st;
	rc = archive_put_id(ar, txn, DB_SEEN, sk.b, sk.len, res->id);
	if (rc == 0 && src->facts.known)
		rc = archive_facts_put(ar, txn, &sk, &src->facts);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "write seen");
	return JHARVEST_OK;
}

int
archive_full(int rc)
{
	return rc == MDB_MAP_FULL || rc == MDB_TXN_FULL;
}

/* The batch ran out of room: keep what it holds and grow the map. */
enum jh_status
archive_make_room(struct archive *ar, struct jh_err *err)
{
	int rc;

	rc = archive_txn_commit(ar, ar->batch);
	ar->batch = NULL;
	ar->nputs = ar->nbytes = 0;
	if (rc != 0 && !archive_full(rc))
		return archive_mdb_err(ar, err, rc, "commit");
	if (archive_grow(ar) == 0 && rc == 0)
		return JHARVEST_OK;
	return archive_mdb_err(ar, err, rc ? rc : MDB_MAP_FULL,
	    "commit: batch lost");
}

enum jh_status
archive_put(struct archive *ar, const char *raw, size_t len,
    const struct journal *meta, const struct archive_source *src,
    struct archive_put_result *res, struct jh_err *err)
{
	unsigned char blob[HASH_LEN];
	struct jh_err e;
	MDB_txn *child;
	enum jh_status st;
	const char *orig;
	size_t i;
	int rc, try;

	memset(res, 0, sizeof(*res));
	memset(&e, 0, sizeof(e));
	if (ar->mode != ARCHIVE_WRITE)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: "
		    "opened read-only", ar->path);
	if (meta->orig_offset > len || meta->orig_size > len -
	    meta->orig_offset)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: "
		    "original outside the input", ar->path);
	for (i = 0; i < meta->nparts; i++)
		if (meta->parts[i].offset > len ||
		    meta->parts[i].size > len - meta->parts[i].offset)
			return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: "
			    "part %zu outside the input", ar->path, i);
	orig = raw + meta->orig_offset;
	hash_sha256(orig, meta->orig_size, blob);
	for (i = 0; i < HASH_LEN && meta->orig_sha256[i] == 0; i++)
		continue;
	if (i < HASH_LEN && memcmp(blob, meta->orig_sha256, HASH_LEN) != 0)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: "
		    "SHA-256 of the original does not match", ar->path);

	for (try = 0; try < ARCHIVE_PUT_TRIES; try++) {
		if ((st = archive_batch_begin(ar, &e)) != JHARVEST_OK)
			goto fail;
		rc = archive_txn_begin(ar, ar->batch, 0, &child);
		if (rc != 0) {
			st = archive_mdb_err(ar, &e, rc, "begin put");
			goto fail;
		}
		memset(res, 0, sizeof(*res));
		st = archive_put_txn(ar, child, raw, meta, src, blob, res,
		    &e);
		if (st == JHARVEST_OK) {
			rc = mdb_txn_commit(child);
			if (rc == 0) {
				ar->nputs++;
				ar->nbytes += len;
				return JHARVEST_OK;
			}
			st = archive_mdb_err(ar, &e, rc, "commit put");
		} else
			mdb_txn_abort(child);
		if (!archive_full(e.cause))
			goto fail;
		log_debug(DEBUG_ARCHIVE, "archive %s: %s, growing", ar->path,
		    mdb_strerror(e.cause));
		if ((st = archive_make_room(ar, &e)) != JHARVEST_OK)
			goto fail;
	}
	st = jh_err_set(&e, JH_EIO, MDB_MAP_FULL, "archive %s: store: "
	    "map still full after growing it %d times", ar->path,
	    ARCHIVE_PUT_TRIES);
fail:
	memset(res, 0, sizeof(*res));
	if (err != NULL)
		*err = e;
	return st;
}

enum jh_status
archive_seen(struct archive *ar, const struct archive_source *src,
    uint64_t *idp, struct jh_err *err)
{
	struct archive_key k;
	MDB_txn *txn = NULL;
	enum jh_status st = JHARVEST_OK;
	int rc;

	*idp = 0;
	if (!archive_seen_key(src, &k))
		return JHARVEST_OK;
	if (ar->batch == NULL && (st = archive_rtxn(ar, &txn, err)) !=
	    JHARVEST_OK)
		return st;
	rc = archive_get_id(ar, txn ? txn : ar->batch, DB_SEEN, k.b, k.len,
	    idp);
	if (rc != 0 && rc != MDB_NOTFOUND)
		st = archive_mdb_err(ar, err, rc, "read seen");
	if (rc != 0)
		*idp = 0;
	mdb_txn_abort(txn);
	return st;
}

enum jh_status
archive_commit(struct archive *ar, struct jh_err *err)
{
	int rc;

	if (ar->batch == NULL)
		return JHARVEST_OK;
	rc = archive_txn_commit(ar, ar->batch);
	ar->batch = NULL;
	ar->nputs = ar->nbytes = 0;
	if (rc == 0)
		return JHARVEST_OK;
	/* The batch is gone; at least give the next one room. */
	if (archive_full(rc))
		(void)archive_grow(ar);
	return jh_err_set(err, JH_EIO, rc, "archive %s: commit: %s",
	    ar->path, mdb_strerror(rc));
}

void
archive_abort(struct archive *ar)
{
	if (ar == NULL)
		return;
	archive_txn_abort(ar, ar->batch);
	ar->batch = NULL;
	ar->nputs = ar->nbytes = 0;
}

void
archive_batch_size(struct archive *ar, size_t *nputs, size_t *nbytes)
{
	if (nputs != NULL)
		*nputs = ar->batch ? ar->nputs : 0;
	if (nbytes != NULL)
		*nbytes = ar->batch ? ar->nbytes : 0;
}

/*
 * Readers.
 */

int
archive_ishex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

unsigned int
archive_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

enum jh_status
archive_resolve_hex(struct archive *ar, MDB_txn *txn, const char *idstr,
    uint64_t *idp, struct jh_err *err)
{
	unsigned char pfx[HASH_LEN];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	const unsigned char *kb;
	size_t i, n, full, nmatch = 0;
	enum jh_status st = JHARVEST_OK;
	int rc, odd;

	n = strlen(idstr);
	memset(pfx, 0, sizeof(pfx));
	for (i = 0; i < n; i++)
		pfx[i / 2] |= archive_hexval(idstr[i]) << (i % 2 ? 0 : 4);
	full = n / 2;
	odd = n % 2;
	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_BY_BLOB], &cur)) != 0) {
		st = archive_mdb_err(ar, err, rc, "cursor");
		goto cleanup;
	}
	k.mv_data = pfx;
	k.mv_size = full + odd;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		kb = k.mv_data;
		if (k.mv_size != HASH_LEN || memcmp(kb, pfx, full) != 0 ||
		    (odd && (kb[full] & 0xf0) != pfx[full]))
			break;
		if (nmatch++ == 0 && v.mv_size == 8)
			*idp = archive_get64(v.mv_data);
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		st = archive_mdb_err(ar, err, rc, "read by_blob");
		goto cleanup;
	}
	if (nmatch == 0)
		st = jh_err_set(err, JH_EDATA, 0, "no record matches %s",
		    idstr);
	else if (nmatch > 1)
		st = jh_err_set(err, JH_EDATA, 0, "%s is ambiguous: %zu "
		    "records match", idstr, nmatch);
cleanup:
	mdb_cursor_close(cur);
	return st;
}

enum jh_status
archive_resolve(struct archive *ar, const char *idstr, uint64_t *idp,
    struct jh_err *err)
{
	unsigned char key[8];
	MDB_txn *txn = NULL;
	MDB_val k, v;
	enum jh_status st;
	uint64_t id = 0;
	size_t i, n;
	int rc, digits = 1, hex = 1;

	*idp = 0;
	n = strlen(idstr);
	for (i = 0; i < n; i++) {
		if (idstr[i] < '0' || idstr[i] > '9')
			digits = 0;
		if (!archive_ishex((unsigned char)idstr[i]))
			hex = 0;
	}
	if (n == 0 || (!digits && (!hex || n < 4 || n > HASH_HEXLEN)))
		return jh_err_set(err, JH_EDATA, 0, "no record matches %s",
		    idstr);
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return st;
	if (digits) {
		for (i = 0; i < n; i++) {
			if (id > (UINT64_MAX - 9) / 10) {
				id = 0;
				break;
			}
			id = id * 10 + (uint64_t)(idstr[i] - '0');
		}
		archive_be64(key, id);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		rc = id ? mdb_get(txn, ar->dbi[DB_MESSAGES], &k, &v) :
		    MDB_NOTFOUND;
		if (rc == MDB_NOTFOUND)
			st = jh_err_set(err, JH_EDATA, 0,
			    "no record matches %s", idstr);
		else if (rc != 0)
			st = archive_mdb_err(ar, err, rc, "read record");
	} else
		st = archive_resolve_hex(ar, txn, idstr, &id, err);
	mdb_txn_abort(txn);
	if (st == JHARVEST_OK)
		*idp = id;
	return st;
}

enum jh_status
archive_get(struct archive *ar, uint64_t id, struct archive_record **rp,
    struct jh_err *err)
{
	MDB_txn *txn = NULL;
	enum jh_status st;

	*rp = NULL;
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return st;
	st = archive_load(ar, txn, id, rp, err);
	mdb_txn_abort(txn);
	return st;
}

void
archive_record_free(struct archive_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	journal_free(r->meta);
	for (i = 0; i < r->nsources; i++) {
		free(r->sources[i].account);
		free(r->sources[i].tenant);
		free(r->sources[i].folder);
		free(r->sources[i].uidl);
		free(r->sources[i].file);
	}
	free(r->sources);
	free(r);
}

int
archive_streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

int
archive_participant(const struct journal *j, const char *addr)
{
	size_t i;

	if (archive_streq(j->sender, addr) ||
	    archive_streq(j->on_behalf_of, addr))
		return 1;
	for (i = 0; i < j->nrcpts; i++)
		if (archive_streq(j->rcpts[i].address, addr) ||
		    archive_streq(j->rcpts[i].expanded, addr) ||
		    archive_streq(j->rcpts[i].forwarded, addr))
			return 1;
	return 0;
}

int
archive_match(const struct archive_query *q, const char *msgid,
    const struct archive_record *r)
{
	const struct journal *j = r->meta;
	int64_t t;
	size_t i;

	if (msgid != NULL && (j->message_id == NULL ||
	    strcmp(j->message_id, msgid) != 0))
		return 0;
	if (q->rcpt != NULL) {
		for (i = 0; i < j->nrcpts; i++)
			if (archive_streq(j->rcpts[i].address, q->rcpt))
				break;
		if (i == j->nrcpts)
			return 0;
	}
	if (q->from != NULL && !archive_streq(j->sender, q->from))
		return 0;
	if (q->participant != NULL && !archive_participant(j, q->participant))
		return 0;
	if (q->has_kind && j->kind != q->kind)
		return 0;
	if (q->tenant != NULL) {
		for (i = 0; i < r->nsources; i++)
			if (archive_streq(r->sources[i].tenant, q->tenant))
				break;
		if (i == r->nsources)
			return 0;
	}
	if (q->account != NULL) {
		for (i = 0; i < r->nsources; i++)
			if (r->sources[i].account != NULL &&
			    strcmp(r->sources[i].account, q->account) == 0)
				break;
		if (i == r->nsources)
			return 0;
	}
	t = j->has_date ? j->date : r->archived_at;
	if (q->has_since && t < q->since)
		return 0;
	if (q->has_until && t > q->until)
		return 0;
	return 1;
}

struct archive_scan {
	struct archive			*ar;
	MDB_txn				*txn;
	const struct archive_query	*q;
	char				*msgid;	/* owned, "<...>" */
	int	(*fn)(const struct archive_record *, void *);
	void				*ctx;
	enum jh_status			 first;	/* first bad record */
	struct jh_err			 firsterr;
};

/* Load, filter and hand over one record: nonzero stops the scan. */
static int
archive_scan_one(struct archive_scan *s, uint64_t id, const MDB_val *v)
{
	struct archive_record *r = NULL;
	struct jh_err e = { 0 };
	enum jh_status st;
	int stop = 0;

	if (v != NULL)
		st = archive_decode(s->ar, id, v, &r, &e);
	else
		st = archive_load(s->ar, s->txn, id, &r, &e);
	if (st != JHARVEST_OK) {
		/* Skip pruned records; report the first damaged one. */
		if (e.cause != ARCHIVE_PRUNED && s->first == JHARVEST_OK) {
			s->first = st;
			s->firsterr = e;
		}
		return 0;
	}
	if (archive_match(s->q, s->msgid, r))
		stop = s->fn(r, s->ctx);
	archive_record_free(r);
	return stop;
}

static int
archive_scan_dups(struct archive_scan *s, MDB_cursor *cur,
    struct archive_key *key)
{
	MDB_val k, v;
	int rc;

	k.mv_data = key->b;
	k.mv_size = key->len;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (archive_scan_one(s, archive_get64(v.mv_data), NULL))
			return 0;
	}
	return rc;
}

static int
archive_scan_time(struct archive_scan *s, MDB_cursor *cur)
{
	unsigned char start[16];
	MDB_val k, v;
	int64_t t;
	int rc;

	archive_time_key(start, s->q->has_since ? s->q->since : INT64_MIN,
	    0);
	k.mv_data = start;
	k.mv_size = sizeof(start);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16) {
			rc = MDB_CORRUPTED;
			break;
		}
		t = (int64_t)(archive_get64(k.mv_data) ^ ((uint64_t)1 << 63));
		if (s->q->has_until && t > s->q->until)
			return 0;
		if (archive_scan_one(s, archive_get64((unsigned char *)
		    k.mv_data + 8), NULL))
			return 0;
	}
	return rc;
}

static int
archive_scan_all(struct archive_scan *s, MDB_cursor *cur)
{
	MDB_val k, v;
	int rc;

	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (archive_scan_one(s, archive_get64(k.mv_data), &v))
			return 0;
	}
	return rc;
}

enum jh_status
archive_query(struct archive *ar, const struct archive_query *q,
    int (*fn)(const struct archive_record *r, void *ctx), void *ctx,
    struct jh_err *err)
{
	struct archive_scan s;
	struct archive_key key;
	MDB_cursor *cur = NULL;
	enum archive_db db;
	enum jh_status st;
	int rc;

	memset(&s, 0, sizeof(s));
	s.ar = ar;
	s.q = q;
	s.fn = fn;
	s.ctx = ctx;
	s.first = JHARVEST_OK;
	if (q->message_id != NULL)
		s.msgid = q->message_id[0] == '<' ? xstrdup(q->message_id) :
		    xasprintf("<%s>", q->message_id);
	if ((st = archive_rtxn(ar, &s.txn, err)) != JHARVEST_OK)
		goto cleanup;

	if (s.msgid != NULL) {
		db = DB_BY_MSGID;
		archive_msgid_key(&key, s.msgid);
	} else if (q->rcpt != NULL || q->from != NULL) {
		db = DB_BY_ADDR;
		archive_addr_key(&key, q->rcpt ? q->rcpt : q->from);
	} else if (q->has_since || q->has_until)
		db = DB_BY_TIME;
	else
		db = DB_MESSAGES;
	if ((rc = mdb_cursor_open(s.txn, ar->dbi[db], &cur)) != 0) {
		st = archive_mdb_err(ar, err, rc, "cursor");
		goto cleanup;
	}
	if (db == DB_BY_MSGID || db == DB_BY_ADDR)
		rc = key.len ? archive_scan_dups(&s, cur, &key) : 0;
	else if (db == DB_BY_TIME)
		rc = archive_scan_time(&s, cur);
	else
		rc = archive_scan_all(&s, cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		st = archive_mdb_err(ar, err, rc, "query");
	else if (s.first != JHARVEST_OK) {
		st = s.first;
		if (err != NULL)
			*err = s.firsterr;
	}
cleanup:
	mdb_cursor_close(cur);
	mdb_txn_abort(s.txn);
	free(s.msgid);
	return st;
}

enum jh_status
archive_stats(struct archive *ar, struct archive_stats *stp,
    struct jh_err *err)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_stat ms;
	MDB_val k, v;
	const unsigned char *p;
	unsigned long long size;
	enum jh_status st;
	int rc;

	memset(stp, 0, sizeof(*stp));
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return st;
	if ((rc = mdb_stat(txn, ar->dbi[DB_MESSAGES], &ms)) != 0)
		goto fail;
	stp->records = ms.ms_entries;
	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_BLOBS], &cur)) != 0)
		goto fail;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		p = v.mv_data;
		stp->blobs++;
		stp->stored_bytes += v.mv_size;
		if (v.mv_size > 1 && p[0] == CODEC_ZSTD) {
			size = ZSTD_getFrameContentSize(p + 1, v.mv_size - 1);
			if (size != ZSTD_CONTENTSIZE_UNKNOWN &&
			    size != ZSTD_CONTENTSIZE_ERROR)
				stp->logical_bytes += size;
		} else if (v.mv_size > 0)
			stp->logical_bytes += v.mv_size - 1;
	}
	if (rc != MDB_NOTFOUND)
		goto fail;
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return JHARVEST_OK;
fail:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return archive_mdb_err(ar, err, rc, "stats");
}

const char *
archive_library_version(void)
{
	static char buf[64];
	int major, minor, patch;

	(void)mdb_version(&major, &minor, &patch);
	snprintf(buf, sizeof(buf), "LMDB %d.%d.%d, zstd %s", major, minor,
	    patch, ZSTD_versionString());
	return buf;
}
