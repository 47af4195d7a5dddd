# shellcheck shell=bash
# Loopback ports for the daemons a test or benchmark starts.
# Sourced: ". tests/lib/ports.sh", then "free_port" or "free_ports N".
#
# The ports come from below the kernel's ephemeral range. Every client
# socket on the machine (dig's UDP queries, an SMTP client's connection, a
# peer from the test before that is still closing) takes its local port
# from that range, so a port picked there can look free and then fail the
# daemon's bind with "Address already in use".

# free_ports N: N distinct ports on one line, each held by no TCP or UDP
# socket in any state when picked; fails when it finds fewer.
free_ports() {
	local want=$1 lo=32768 hi=60999 first last p
	local got=()

	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	if [ "$lo" -gt 12000 ]; then
		first=10000 last=$((lo - 1))
	elif [ "$hi" -lt 63000 ]; then
		first=$((hi + 1)) last=65535
	else	# the ephemeral range is nearly everything: take what is left
		first=1024 last=65535
	fi
	for p in $(shuf -i "$first-$last" -n $((want * 20))); do
		[ -z "$(ss -Htuan "sport = :$p" 2>/dev/null)" ] || continue
		got+=("$p")
		if [ "${#got[@]}" -eq "$want" ]; then
			echo "${got[*]}"
			return 0
		fi
	done
	echo "free_ports: fewer than $want free ports in $first-$last" >&2
	return 1
}

free_port() {
	free_ports 1
}
