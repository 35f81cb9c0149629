/* SPDX-License-Identifier: MIT */
/* test_sink.c - evlog/sink: specs, the path's own copy, reopening, the
 * fragment of a short write, health, identities, the tally; the sinks of
 * messages (syslog, journal): their datagrams byte for byte, one per line,
 * a full queue and a daemon gone. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sink.h"

static char dir[] = "/tmp/test_sink.XXXXXX";

static struct evlog_sink sink;	/* large: not on the stack */

static char *path_in_dir(const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

/* The whole content of PATH, NUL-terminated, in a static buffer. */
static const char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_specs(void)
{
	char longer[EVLOG_SINK_SPEC_MAX + 8];

	CHECK_INT(evlog_sink_open(&sink, "relative.log"), -EINVAL, "a relative path is refused");
	CHECK(access("relative.log", F_OK) != 0, "... and not created");
	CHECK(!evlog_sink_write(&sink, "x\n", 2, getpid()), "a refused sink writes nothing");
	CHECK_INT(evlog_sink_lost(&sink), 1, "... and counts the loss");
	CHECK(!evlog_sink_healthy(&sink), "... and is not healthy");
	CHECK_INT(evlog_sink_open(&sink, ""), -EINVAL, "an empty spec is refused");
	CHECK_INT(evlog_sink_open(&sink, NULL), -EINVAL, "no spec is refused");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	CHECK_INT(evlog_sink_open(&sink, longer), -ENAMETOOLONG, "an overlong path is refused");
	CHECK_INT(evlog_sink_open(&sink, path_in_dir("no/such/dir")), -ENOENT,
		  "an unopenable path: open(2)'s error");
	CHECK(!evlog_sink_healthy(&sink), "... not healthy");
	CHECK_INT(evlog_sink_open(&sink, "stderr"), 0, "stderr");
	CHECK(evlog_sink_healthy(&sink), "... healthy");
	CHECK_STR(evlog_sink_spec(&sink), "stderr", "... its spec");
	evlog_sink_close(&sink);
	CHECK(fcntl(STDERR_FILENO, F_GETFD) >= 0, "closing a stderr sink leaves descriptor 2 open");
}

static void test_file(void)
{
	char spec[256];
	const char *log = path_in_dir("log"), *other = path_in_dir("other");
	struct evlog_sink_id id;
	struct stat st;
	int fd, own;

	snprintf(spec, sizeof(spec), "%s", log);
	CHECK_INT(evlog_sink_open(&sink, spec), 0, "a file");
	CHECK(stat(log, &st) == 0 && (st.st_mode & 0777) == 0600, "created 0600");
	CHECK(evlog_sink_identity(&sink, &id) == 0 && id.dev == st.st_dev && id.ino == st.st_ino,
	      "its identity");
	CHECK(evlog_sink_is(&sink, &id), "evlog_sink_is: that file");
	fd = atomic_load(&sink.fd);
	CHECK(fd >= 3 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "a close-on-exec descriptor %d", fd);
	CHECK(evlog_sink_write(&sink, "one\n", 4, getpid()), "a line");

	/* The program rewrites the string it was given (its environment)
	 * and closes every descriptor. */
	memset(spec, 'x', strlen(spec));
	close(fd);
	evlog_sink_fds_closed(&sink, 3, ~0U);	/* what the shim's close() says */
	CHECK(evlog_sink_write(&sink, "two\n", 4, getpid()), "reopened after a close");
	CHECK_STR(slurp(log), "one\ntwo\n", "... by the path it was opened with");
	CHECK_STR(evlog_sink_spec(&sink), log, "the spec is the sink's own copy");

	/* The program puts its own file at our number. */
	own = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fd = atomic_load(&sink.fd);
	CHECK(own >= 0 && dup2(own, fd) == fd, "dup2 over the log's descriptor");
	evlog_sink_fds_closed(&sink, (unsigned)fd, (unsigned)fd);
	CHECK(evlog_sink_write(&sink, "three\n", 6, getpid()), "a line after the dup2");
	CHECK_STR(slurp(other), "", "... none of it in the program's file");
	CHECK_STR(slurp(log), "one\ntwo\nthree\n", "... all of it in the log");
	close(own);

	/* A vfork child never reopens (nor says it closed ours). */
	close(atomic_load(&sink.fd));
	CHECK(!evlog_sink_write(&sink, "four\n", 5, 0), "no reopener: lost");
	CHECK(evlog_sink_healthy(&sink), "... the sink's health left alone");
	/* Another thread of ours is reopening: we lose the line rather than wait. */
	atomic_store(&sink.reopening, getpid());
	CHECK(!evlog_sink_write(&sink, "four\n", 5, getpid()), "while another thread reopens: lost");
	atomic_store(&sink.reopening, 0);
	CHECK(!evlog_sink_healthy(&sink), "... not healthy");
	CHECK_INT(evlog_sink_error(&sink), EBUSY, "... why");
	CHECK(!evlog_sink_is(&sink, &id), "... so not the bound file");
	CHECK(evlog_sink_write(&sink, "five\n", 5, getpid()), "the next writer reopens");
	CHECK(evlog_sink_healthy(&sink), "... healthy again");
	CHECK(evlog_sink_is(&sink, &id), "... the bound file again");
	CHECK_INT(evlog_sink_lost(&sink), 2, "two losses counted");
	evlog_sink_close(&sink);
}

/* A short write, made with RLIMIT_FSIZE: the file may grow to LIMIT bytes;
 * a write that crosses it is cut, and the "\n" after it fails (EFBIG). */
static void test_fragment(void)
{
	const char *log = path_in_dir("full");
	struct rlimit old, rl;
	static const char line[] = "{\"v\":1,\"seq\":1,\"a\":\"abcdefghijklmnop\"}\n";
	size_t len = sizeof(line) - 1;
	char want[512];

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	CHECK_INT(evlog_sink_open(&sink, log), 0, "fragment: open");
	CHECK(evlog_sink_write(&sink, line, len, getpid()), "a whole line");
	rl = old;
	rl.rlim_cur = len + 10;
	setrlimit(RLIMIT_FSIZE, &rl);
	CHECK(!evlog_sink_write(&sink, line, len, getpid()), "a write cut after 10 bytes is lost");
	CHECK(!evlog_sink_healthy(&sink), "... the sink is not healthy");
	CHECK(!evlog_sink_write(&sink, line, len, getpid()), "the next write fails whole");
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(evlog_sink_write(&sink, line, len, getpid()), "space again: written");
	CHECK(evlog_sink_healthy(&sink), "... healthy again");
	snprintf(want, sizeof(want), "%s%.10s\n%s", line, line, line);
	CHECK_STR(slurp(log), want, "the fragment is a line of its own, the event whole after it");
	CHECK(evlog_sink_write(&sink, line, len, getpid()), "and then no more newlines");
	snprintf(want, sizeof(want), "%s%.10s\n%s%s", line, line, line, line);
	CHECK_STR(slurp(log), want, "... the log");
	CHECK_INT(evlog_sink_lost(&sink), 2, "two lost");
	evlog_sink_close(&sink);
	signal(SIGXFSZ, SIG_DFL);
}

static void test_ids(void)
{
	struct evlog_sink_id id = { 0xfe01, 0x123456789abcdef0ULL }, back;
	char buf[EVLOG_SINK_ID_TEXT];
	const char *end;

	CHECK_STR(evlog_sink_id_format(&id, buf, sizeof(buf)), "fe01:123456789abcdef0", "id as text");
	end = evlog_sink_id_parse(buf, &back);
	CHECK(end && !*end && back.dev == id.dev && back.ino == id.ino, "... and back");
	CHECK(evlog_sink_id_parse("fe01", &back) == NULL, "no inode: refused");
	CHECK(evlog_sink_id_parse(":12", &back) == NULL, "no device: refused");
	CHECK(evlog_sink_id_parse("1:g", &back) == NULL, "not hex: refused");
	CHECK(evlog_sink_id_parse("1:11111111111111111", &back) == NULL, "over 64 bits: refused");
	end = evlog_sink_id_parse("1:2:3", &back);
	CHECK(end && !strcmp(end, ":3"), "parsing stops after the inode");
}

static void test_tally(void)
{
	struct evlog_sink_tally *t, *u;
	struct evlog_sink_id id, wrong;
	int fd, other;

	fd = evlog_sink_tally_create(&t, &id, 0);
	CHECK(fd >= 3, "a tally");
	CHECK(fcntl(fd, F_GETFD) == 0, "... inherited across exec");
	CHECK(ftruncate(fd, 0) < 0, "... its size sealed");
	u = evlog_sink_tally_map(fd, &id);
	CHECK(u != NULL, "mapped by its identity");
	wrong = id;
	wrong.ino++;
	CHECK(evlog_sink_tally_map(fd, &wrong) == NULL, "not by another identity");
	other = open(path_in_dir("log"), O_RDWR);
	CHECK(evlog_sink_tally_map(other, &id) == NULL, "not another file at that number");
	close(other);
	CHECK(evlog_sink_tally_map(-1, &id) == NULL, "not a closed descriptor");

	CHECK_INT(evlog_sink_open(&sink, "relative"), -EINVAL, "a refused sink");
	evlog_sink_attach(&sink, u);
	evlog_sink_write(&sink, "x\n", 2, getpid());
	evlog_sink_write(&sink, "x\n", 2, getpid());
	CHECK_INT(atomic_load(&t->lost), 2, "its losses reach every mapping of the tally");
	munmap(u, sizeof(*u));
	munmap(t, sizeof(*t));
	close(fd);
}

/* A fragment one writer of a run left is ended by the next writer of that
 * log, and by no writer of another file. */
static void test_shared_fragment(void)
{
	static struct evlog_sink other, elsewhere;
	const char *log = path_in_dir("shared"), *log2 = path_in_dir("elsewhere");
	struct evlog_sink_tally *t;
	struct evlog_sink_id id;
	struct rlimit old, rl;
	char want[256];
	int fd;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	fd = evlog_sink_tally_create(&t, &id, 0);
	CHECK_INT(evlog_sink_open(&sink, log), 0, "shared: the run's sink");
	evlog_sink_attach(&sink, t);
	CHECK_INT(evlog_sink_open(&other, log), 0, "another writer of the log");
	evlog_sink_attach(&other, t);
	CHECK_INT(evlog_sink_open(&elsewhere, log2), 0, "a writer of another file");
	evlog_sink_attach(&elsewhere, t);
	rl = old;
	rl.rlim_cur = 4;
	setrlimit(RLIMIT_FSIZE, &rl);
	CHECK(!evlog_sink_write(&other, "abcdefgh\n", 9, getpid()), "a short write");
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK(evlog_sink_write(&elsewhere, "zz\n", 3, getpid()), "the other file: written");
	CHECK_STR(slurp(log2), "zz\n", "... without the newline meant for the log");
	CHECK(evlog_sink_write(&sink, "12\n", 3, getpid()), "the run's sink: written");
	snprintf(want, sizeof(want), "abcd\n12\n");
	CHECK_STR(slurp(log), want, "... after the newline that ends the other's fragment");
	CHECK_INT(atomic_load(&t->lost), 1, "the loss in the tally");
	evlog_sink_close(&sink);
	evlog_sink_close(&other);
	evlog_sink_close(&elsewhere);
	munmap(t, sizeof(*t));
	close(fd);
	unlink(log);
	unlink(log2);
	signal(SIGXFSZ, SIG_DFL);
}

static void test_message_specs(void)
{
	CHECK_STR(evlog_sink_spec_path("syslog"), "/dev/log", "syslog: /dev/log");
	CHECK_STR(evlog_sink_spec_path("syslog:/run/x.sock"), "/run/x.sock", "syslog:/PATH");
	CHECK_STR(evlog_sink_spec_path("journal"), "/run/systemd/journal/socket",
		  "journal: journald's native socket");
	CHECK_STR(evlog_sink_spec_path("journal:/j"), "/j", "journal:/PATH");
	CHECK_STR(evlog_sink_spec_path("/var/log/a"), "/var/log/a", "a file is its path");
	CHECK(!evlog_sink_spec_path("stderr"), "stderr has no path");
	CHECK(!evlog_sink_spec_path("syslog:rel.sock"), "a relative socket is no spec");
	CHECK(!evlog_sink_spec_path("syslogd"), "nor is a longer word");
	CHECK(!evlog_sink_spec_path("syslog:"), "nor an empty socket");
	CHECK(evlog_sink_spec_messages("syslog") && evlog_sink_spec_messages("journal:/j"),
	      "syslog and journal send messages");
	CHECK(!evlog_sink_spec_messages("/a") && !evlog_sink_spec_messages("stderr") &&
	      !evlog_sink_spec_messages("syslog:x"), "files, stderr and non-specs do not");
	CHECK_INT(evlog_sink_open(&sink, "syslog:rel.sock"), -EINVAL,
		  "a relative socket is refused at open");
	CHECK_INT(evlog_sink_open(&sink, "journal:/no/such/socket"), -ENOENT,
		  "a socket that is not there: connect(2)'s error");
}

/* A datagram socket bound at PATH (removed first), non-blocking. */
static int receiver(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("receiver");
		exit(1);
	}
	return fd;
}

/* The next datagram at FD, NUL-terminated, in a static buffer ("" none). */
static const char *datagram(int fd)
{
	static char buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool put(const char *line)
{
	return evlog_sink_write(&sink, line, strlen(line), getpid());
}

#define EV_HEAD "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-24T04:05:06.123456789Z\"," \
		"\"event\":\"socket.__new__\",\"args\":[3,2,524289,0],\"errno\":null,"
#define EV_TAIL ",\"pid\":4242,\"exe\":\"/a \\\"b\\\"\"}"
#define EV(decision) EV_HEAD "\"decision\":\"" decision "\"" EV_TAIL

static void test_syslog(void)
{
	const char *path = path_in_dir("syslog.sock");
	static const char three[] = EV("allow") "\n" EV("would_deny") "\n" EV("kill") "\n";
	char spec[300], want[1024];
	struct utsname u;
	int rx = receiver(path), n;

	uname(&u);
	snprintf(spec, sizeof(spec), "syslog:%s", path);
	CHECK_INT(evlog_sink_open(&sink, spec), 0, "syslog: opened");
	CHECK(evlog_sink_write(&sink, EV("deny") "\n", sizeof(EV("deny")), getpid()),
	      "syslog: a line sent");
	snprintf(want, sizeof(want), "<84>1 2026-11-24T04:05:06.123456Z %s sockaudit 4242 "
		 "socket.__new__ - @cee:" EV("deny"), u.nodename);
	CHECK_STR(datagram(rx), want, "syslog: RFC 5424, authpriv.warning, the JSON behind @cee:");
	CHECK_INT(evlog_sink_write_lines(&sink, three, strlen(three), 3), 3,
		  "syslog: three lines at once");
	CHECK(!strncmp(datagram(rx), "<86>1 ", 6), "... each its own message: allow is info");
	CHECK(!strncmp(datagram(rx), "<85>1 ", 6), "... would_deny notice");
	CHECK(!strncmp(datagram(rx), "<83>1 ", 6), "... kill err");
	CHECK(put("{\"v\":1,\"event\":\"sockaudit.lost\"}\n"),
	      "syslog: the loss record");
	snprintf(want, sizeof(want), "<84>1 - %s sockaudit - sockaudit.lost - @cee:"
		 "{\"v\":1,\"event\":\"sockaudit.lost\"}", u.nodename);
	CHECK_STR(datagram(rx), want, "... a warning, without time or pid");

	/* A daemon that reads no more: lost lines, never a wait. */
	for (n = 0; n < 100000 && evlog_sink_write(&sink, EV("allow") "\n", sizeof(EV("allow")),
						       getpid()); n++)
		;
	CHECK(n < 100000, "syslog: a full queue refuses a line (after %d) without waiting", n);
	CHECK_INT(evlog_sink_error(&sink), EAGAIN, "... EAGAIN");
	CHECK(evlog_sink_lost(&sink) == 1, "... counted");

	/* The daemon gone: refused; back at the same path: sent again, once
	 * the sink checks its socket (within a second). */
	close(rx);
	CHECK(!evlog_sink_write(&sink, "{}\n", 3, getpid()), "syslog: the daemon gone: lost");
	CHECK(evlog_sink_error(&sink) == ECONNREFUSED || evlog_sink_error(&sink) == ENOTCONN,
	      "... refused (%d)", evlog_sink_error(&sink));
	rx = receiver(path);
	{
		struct timespec tick = { 0, 10 * 1000 * 1000 }, start, now;
		bool sent = false;

		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			sent = evlog_sink_write(&sink, "{\"v\":1}\n", 8, getpid());
			if (!sent)
				nanosleep(&tick, NULL);
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while (!sent && now.tv_sec - start.tv_sec < 5);
		CHECK(sent, "syslog: the daemon back: connected again");
	}
	CHECK(strstr(datagram(rx), "@cee:{\"v\":1}") != NULL, "... and the line is there");
	evlog_sink_close(&sink);
	close(rx);
	unlink(path);
}

#define LOSS_JSON "{\"event\":\"sockaudit.lost\",\"by\":{\"preload\":2}}"
#define LOSS LOSS_JSON "\n"

static void test_journal(void)
{
	static char spare[EVLOG_SINK_SPARE];
	const char *path = path_in_dir("journal.sock");
	int rx = receiver(path);
	char spec[300];

	snprintf(spec, sizeof(spec), "journal:%s", path);
	CHECK_INT(evlog_sink_open(&sink, spec), 0, "journal: opened");
	CHECK(evlog_sink_write_spare(&sink, EV("allow") "\n", sizeof(EV("allow")), getpid(),
				     spare, sizeof(spare)), "journal: a line sent");
	CHECK_STR(datagram(rx),
		  "MESSAGE=" EV("allow") "\n"
		  "SYSLOG_IDENTIFIER=sockaudit\nSYSLOG_FACILITY=10\n"
		  "MESSAGE_ID=dba0a62df5cd459792a77c39b022b7c6\n"
		  "PRIORITY=6\nSYSLOG_PID=4242\n"
		  "SOCKAUDIT_V=1\nSOCKAUDIT_SEQ=7\nSOCKAUDIT_TS=2026-11-24T04:05:06.123456789Z\n"
		  "SOCKAUDIT_EVENT=socket.__new__\nSOCKAUDIT_ARGS=[3,2,524289,0]\n"
		  "SOCKAUDIT_DECISION=allow\nSOCKAUDIT_PID=4242\nSOCKAUDIT_EXE=/a \\\"b\\\"\n",
		  "journal: MESSAGE, the fixed fields, a field per key (null: none, "
		  "escapes kept)");
	CHECK(evlog_sink_write_spare(&sink, LOSS, strlen(LOSS), getpid(), spare, sizeof(spare)),
	      "journal: the loss record");
	CHECK_STR(datagram(rx),
		  "MESSAGE=" LOSS_JSON "\n"
		  "SYSLOG_IDENTIFIER=sockaudit\nSYSLOG_FACILITY=10\n"
		  "MESSAGE_ID=ddb2f6e320ed4c29b59128b0e61d1aa8\nPRIORITY=4\n"
		  "SOCKAUDIT_EVENT=sockaudit.lost\nSOCKAUDIT_BY={\"preload\":2}\n",
		  "... its own MESSAGE_ID, a warning, an object as its JSON");
	CHECK(evlog_sink_write_spare(&sink, LOSS, strlen(LOSS), getpid(), spare, 40),
	      "journal: little room beside the line");
	CHECK_STR(datagram(rx),
		  "MESSAGE=" LOSS_JSON "\n"
		  "SYSLOG_IDENTIFIER=sockaudit\nSYSLOG_FACILITY=10\n"
		  "MESSAGE_ID=ddb2f6e320ed4c29b59128b0e61d1aa8\nPRIORITY=4\n"
		  "SOCKAUDIT_EVENT=sockaudit.lost\n",
		  "... the fields that fit, whole");
	CHECK(put(LOSS), "journal: no room at all");
	CHECK_STR(datagram(rx),
		  "MESSAGE=" LOSS_JSON "\n"
		  "SYSLOG_IDENTIFIER=sockaudit\nSYSLOG_FACILITY=10\n"
		  "MESSAGE_ID=ddb2f6e320ed4c29b59128b0e61d1aa8\nPRIORITY=4\n",
		  "... the entry without its SOCKAUDIT_ fields (MESSAGE has them)");
	evlog_sink_close(&sink);
	close(rx);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_specs();
	test_file();
	test_fragment();
	test_ids();
	test_tally();
	test_shared_fragment();
	test_message_specs();
	test_syslog();
	test_journal();
	unlink(path_in_dir("log"));
	unlink(path_in_dir("other"));
	unlink(path_in_dir("full"));
	rmdir(dir);
	return check_done();
}
