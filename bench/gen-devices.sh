#!/bin/sh
# Print a .reg SYSTEM hive (for tests/tools/reg2hive) with N PCI devices,
# each with its driver (a Services key with DmaRemappingCompatible), its
# Control\Class instance, DMA Management values, a parent bridge and a
# lower filter on every tenth device; 1 in 5 opts out, so findings grow
# with the devices too.  N=50 is about a real machine.  Devices are spread
# over 50 device ids, 50 drivers and 50 setup classes, as on a real machine
# many devices share a driver (and hivex, which builds the hive, rewrites a
# key's whole subkey list for each subkey it adds: thousands of siblings
# would make the hive grow with the square of their number).
#
#   bench/gen-devices.sh N > devices.reg
set -eu
n=${1:?usage: gen-devices.sh N}
awk -v n="$n" 'BEGIN {
	cs = "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001"
	cls = "{4d36e97d-e325-11ce-bfc1-0800000000"
	print "Windows Registry Editor Version 5.00\n"
	print "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]"
	print "\"Current\"=dword:00000001\n"
	print "[" cs "]\n"
	print "[" cs "\\Control]\n"
	print "[" cs "\\Control\\Class]\n"
	for (c = 0; c < 50; c++) {
		printf "[%s\\Control\\Class\\%s%02d}]\n", cs, cls, c
		print "\"Class\"=\"System\"\n"
	}
	print "[" cs "\\Enum]\n"
	print "[" cs "\\Enum\\PCI]\n"
	print "[" cs "\\Services]\n"
	for (i = 0; i < n; i++) {
		dev = sprintf("VEN_8086&DEV_%04X&SUBSYS_00008086&REV_01", i % 50)
		inst = sprintf("3&11583659&0&%X", i)
		key = cs "\\Enum\\PCI\\" dev
		svc = sprintf("syn%d", i % 50)
		gc = sprintf("%s%02d}", cls, i % 50)
		if (i < 50)
			print "[" key "]\n"
		print "[" key "\\" inst "]"
		printf "\"DeviceDesc\"=\"Synthetic device %d\"\n", i
		printf "\"Service\"=\"%s\"\n", svc
		printf "\"ClassGUID\"=\"%s\"\n", gc
		printf "\"Driver\"=\"%s\\\\%04d\"\n", gc, i
		print "\"HardwareID\"=hex(7):50,00,43,00,49,00,00,00,00,00"
		if (i % 10 == 9)
			print "\"LowerFilters\"=hex(7):66,00,6c,00,74,00,00,00,00,00"
		print ""
		print "[" key "\\" inst "\\Device Parameters]\n"
		print "[" key "\\" inst "\\Device Parameters\\DMA Management]"
		printf "\"RemappingSupported\"=dword:%08x\n\n", (i % 5 == 4) ? 0 : 1
		if (i < 50) {
			print "[" cs "\\Services\\" svc "]"
			printf "\"ImagePath\"=\"System32\\\\drivers\\\\%s.sys\"\n\n", svc
			print "[" cs "\\Services\\" svc "\\Parameters]"
			printf "\"DmaRemappingCompatible\"=dword:%08x\n\n", (i % 5 == 4) ? 0 : 2
		}
		printf "[%s\\Control\\Class\\%s\\%04d]\n", cs, gc, i
		printf "\"InfPath\"=\"oem%d.inf\"\n\n", i
	}
	print "[" cs "\\Services\\flt]"
	print "\"ImagePath\"=\"System32\\\\drivers\\\\flt.sys\"\n"
	print "[" cs "\\Services\\flt\\Parameters]"
	print "\"DmaRemappingCompatible\"=dword:00000000\n"
}'
