# pf_lib.sh -- sourced: private, throw-away Postfix instances under a temp dir.
# Adapted from shared/peers/pf_lib.sh (tested recipe, Debian 12 postfix 3.7).
#   pf_make DIR PORT         DIR/etc/{main.cf,master.cf}, spool and data
#   pf_conf DIR 'k = v' ...  postconf -c DIR/etc -e
#   pf_start DIR / pf_stop DIR
# Needs root: `postfix start` runs as root, its daemons drop to user postfix.
# Never touches /etc/postfix or /var/spool/postfix.

pf_make() {
	local d=$1 port=$2
	mkdir -p "$d/etc" "$d/spool" "$d/data"
	chmod 755 "$d" "$d/etc"
	chown postfix "$d/data"
	# Every ancestor of $d must be searchable by user postfix, or the
	# master dies: "open lock file ... Permission denied".
	runuser -u postfix -- test -w "$d/data" || {
		echo "pf_make: user postfix cannot reach $d/data" >&2
		return 1
	}
	cat >"$d/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.pf.test
mydomain = pf.test
myorigin = \$myhostname
mydestination = pf.test, \$myhostname, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
alias_maps =
alias_database =
biff = no
syslog_name = pftest
# maillog_file outside these prefixes makes "postfix start" fail silently.
maillog_file_prefixes = /var, /dev/stdout, $d
maillog_file = $d/maillog
smtpd_banner = \$myhostname ESMTP
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtputf8_enable = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0
EOF
	cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
proxywrite unix - - n -    1 proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
virtual   unix  - n n -    - virtual
lmtp      unix  - - n -    - lmtp
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

pf_conf() {
	local d=$1
	shift
	postconf -c "$d/etc" -e "$@"
}

pf_start() {
	local d=$1
	# "postfix check" makes the queue directories with the right owners.
	timeout 60 postfix -c "$d/etc" check >>"$d/start.log" 2>&1
	timeout 60 postfix -c "$d/etc" start >>"$d/start.log" 2>&1
}

# Stops the instance and waits (10 s at most) for its master to exit;
# the master's PID comes from this instance's own pid file.
pf_stop() {
	local d=$1 i pid
	[ -d "$d/etc" ] || return 0
	timeout 30 postfix -c "$d/etc" stop >>"$d/start.log" 2>&1 || true
	for i in $(seq 1 50); do
		pid=$(tr -d ' ' <"$d/spool/pid/master.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	return 0
}

wait_port() { # wait_port PORT [SECONDS]
	local port=$1 t=${2:-10} i
	for i in $(seq 1 $((t * 10))); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
