/*
 * topology.c - the device tree of a control set, and exposure inferred
 * from it.
 *
 * Windows learns that a port is external from ACPI at run time; the hive
 * does not keep that flag.  What it keeps is where each device sat: the
 * persisted LastKnownParent property (else the ParentIdPrefix relation:
 * a parent's prefix starts its children's instance names), and evidence on
 * the way up: a tunnelled device, a Thunderbolt/USB4 host router, tunnel
 * root port or controller bridge above it, a separate removable container,
 * the machine's own container.  Each device gets the strongest verdict its
 * own evidence or its ancestors' give (external > likely_external >
 * internal > unknown) and the evidence behind it.
 *
 * Parents may live outside Enum\PCI (ACPI root bridges, ROOT, HTREE); they
 * are read on demand.  Chains are bounded: a link to a key the hive does
 * not have, a loop, or a chain deeper than MAX_DEPTH is cut and reported.
 */
#include "config.h"

#include "bounds.h"
#include "topology.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "strmap.h"
#include "text.h"

#define MAX_NOTES 32           /* topology notes named; the rest counted */
#define EVIDENCE_MAX 6         /* exposure evidence lines per device */
#define MACHINE_CONTAINER "{00000000-0000-0000-ffff-ffffffffffff}"
#define CAP_REMOVABLE 0x4u
#define CAP_SURPRISE_REMOVAL_OK 0x80u

/* Enumerators whose instances may parent a PCI device by ParentIdPrefix. */
static const char *const PREFIX_ENUMERATORS[] = { "ACPI", "ACPI_HAL", "ROOT" };

typedef struct tnode {
	const char *instance_id;
	const char *description;
	const char *container_id;
	const char *lkp;               /* LastKnownParent */
	const char *parent_id_prefix;
	int has_caps;
	uint32_t caps;
	int tunneled;
	const char *usb4_router;
	int usb4_dvsec;
	int has_type;
	uint32_t type;                 /* PCI device type (switch ports) */
	dmar_device *device;           /* NULL for an ancestor */
	const id_entry *port;          /* external-ports table entry */
	int hops;                      /* links from the nearest PCI device */
	int tb_level;                  /* 0 upstream port of a Thunderbolt
	                                  controller, 1 its downstream ports, 2
	                                  their functions */
	long parent;                   /* index, or -1 */
	const char *parent_id;
	const char *parent_source;
	const char *parent_problem;
	int depth;                     /* -1 until known */
	dmar_exposure_verdict verdict;
	arena_strlist evidence;
} tnode;

typedef struct topo {
	collect_sink *sink;
	dmar_arena *a;
	hkey *cs;
	const char *cs_name;
	const id_list *ports;
	arena_vec nodes;               /* tnode; grows, so use indexes */
	strmap by_id;                  /* instance id -> index */
	strmap by_prefix;              /* ParentIdPrefix -> prefix_ids index */
	arena_strlist prefix_ids;      /* the instance ids by_prefix names */
	int prefixes_loaded;
	size_t extra;                  /* ancestors read */
	size_t notes;                  /* topology notes raised */
} topo;

static tnode *node_at(topo *t, size_t i)
{
	return (tnode *)t->nodes.items + i;
}

static void vnote(topo *t, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vnote(topo *t, const char *fmt, va_list ap)
{
	arena_strlist_add(t->a, t->sink->warnings, arena_vprintf(t->a, fmt, ap));
}

static void warn(topo *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn_always(topo *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A note on the tree; past MAX_NOTES they are only counted. */
static void warn(topo *t, const char *fmt, ...)
{
	if (t->notes++ >= MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vnote(t, fmt, ap);
	va_end(ap);
}

static void warn_always(topo *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(t, fmt, ap);
	va_end(ap);
}

/* ---- Nodes ------------------------------------------------------------------- */

static const id_entry *port_entry(topo *t, const dmar_device *d)
{
	id_subject s = { d->vendor_id, d->device_id, NULL, d->revision,
	                 d->class_code };
	char subsys[9];
	if (d->subsystem_id[0] != '\0') {
		memcpy(subsys, d->subsystem_id, 4);
		memcpy(subsys + 4, d->subsystem_vendor_id, 4);
		subsys[8] = '\0';
		s.subsystem = subsys;
	}
	return t->ports ? idlist_find(t->ports, &s) : NULL;
}

static long add_node(topo *t, const char *instance_id)
{
	size_t index = t->nodes.count;
	tnode *n = arena_vec_push(t->a, &t->nodes);
	if (n == NULL)
		return -1;
	if (strmap_put(&t->by_id, instance_id, index) != 0) {
		t->nodes.count--;   /* not half made */
		return -1;
	}
	n->instance_id = instance_id;
	n->parent = -1;
	n->depth = -1;
	n->tunneled = -1;
	arena_strlist_init(&n->evidence);
	return (long)index;
}

static int add_device_node(topo *t, dmar_device *d)
{
	long i = add_node(t, d->instance_id);
	if (i < 0)
		return -1;
	tnode *n = node_at(t, (size_t)i);
	n->device = d;
	n->description = d->description;
	n->container_id = d->container_id;
	n->lkp = d->properties.last_known_parent;
	n->parent_id_prefix = d->parent_id_prefix;
	n->has_caps = d->has_capabilities;
	n->caps = d->capabilities;
	n->tunneled = d->properties.is_tunneled;
	n->usb4_router = d->properties.usb4_host_router;
	n->usb4_dvsec = d->properties.has_usb_dvsec_port_type;
	n->has_type = d->properties.has_pci_device_type;
	n->type = d->properties.pci_device_type;
	n->port = port_entry(t, d);
	return 0;
}

/* "ACPI\PNP0A08\0": three non-empty components, a sane length. */
static int plausible_instance_id(const char *id)
{
	size_t len = strlen(id), parts = 1, run = 0;
	if (len == 0 || len > MAX_ID_LENGTH)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (id[i] == '\\') {
			if (run == 0)
				return 0;
			parts++;
			run = 0;
		} else {
			run++;
		}
	}
	return parts == 3 && run > 0;
}

/* Why an ancestor could not be read. */
enum { LOAD_ABSENT = -1, LOAD_IMPLAUSIBLE = -2, LOAD_BUDGET = -3 };

static const char *load_failure(long why)
{
	return why == LOAD_IMPLAUSIBLE ? "is not a plausible instance id"
	     : why == LOAD_BUDGET ? "was not read: the limit of 4096 ancestors "
	                            "outside Enum\\PCI was reached"
	     : "is not in the hive";
}

/* Read an ancestor outside Enum\PCI: Enum\<instance id>.  Returns its
 * index, or a LOAD_* reason. */
static long load_node(topo *t, const char *id)
{
	static const char *const names[] = { "DeviceDesc", "FriendlyName",
	                                     "ContainerID", "Capabilities",
	                                     "ParentIdPrefix" };
	if (!plausible_instance_id(id))
		return LOAD_IMPLAUSIBLE;
	if (t->extra >= MAX_EXTRA_NODES) {
		if (t->extra++ == MAX_EXTRA_NODES)
			collect_limit(t->sink, "%s: more than %d ancestors outside "
			              "Enum\\PCI; the rest were not read", t->cs_name,
			              MAX_EXTRA_NODES);
		return LOAD_BUDGET;
	}
	char *path = arena_printf(t->a, "Enum\\%s", id);
	hkey *k = NULL;
	if (path == NULL || hkey_open(t->cs, path, &k) <= 0)
		return LOAD_ABSENT;
	t->extra++;
	long i = add_node(t, arena_strdup(t->a, id));
	if (i >= 0) {
		hive_value raw[5];
		dmar_device_properties props;
		props_dates dates;
		hkey_get_values(k, t->a, names, raw, 5);
		props_read(k, t->a, &props, &dates);
		tnode *n = node_at(t, (size_t)i);
		const char *friendly = collect_string(t->a, &raw[1]);
		n->description = text_indirect_format(t->a, friendly ? friendly
		                                      : collect_string(t->a, &raw[0]));
		n->container_id = collect_string(t->a, &raw[2]);
		n->has_caps = hive_value_dword(&raw[3], &n->caps);
		n->parent_id_prefix = collect_string(t->a, &raw[4]);
		n->lkp = props.last_known_parent;
		n->tunneled = props.is_tunneled;
		n->usb4_router = props.usb4_host_router;
		n->usb4_dvsec = props.has_usb_dvsec_port_type;
		n->has_type = props.has_pci_device_type;
		n->type = props.pci_device_type;
	}
	hkey_free(k);
	return i;
}

static long find_or_load(topo *t, const char *id)
{
	size_t i;
	if (strmap_get(&t->by_id, id, &i))
		return (long)i;
	return load_node(t, id);
}

/* ---- Parents ------------------------------------------------------------------ */

static void index_prefix(topo *t, const char *prefix, const char *id)
{
	size_t k = arena_strlist_count(&t->prefix_ids);
	size_t old;
	if (prefix == NULL || id == NULL || strmap_get(&t->by_prefix, prefix, &old))
		return;   /* the first holder of a prefix keeps it */
	arena_strlist_add(t->a, &t->prefix_ids, id);
	if (arena_strlist_count(&t->prefix_ids) == k + 1)
		strmap_put(&t->by_prefix, prefix, k);
}

/* Index the ParentIdPrefix of every PCI node and of the instances of the
 * enumerators that parent PCI buses, once, when a fallback first needs it.
 * Only the names are kept; a parent is read when a child names it.  Keys
 * shared through damaged subkey lists are read once, and at most
 * MAX_PREFIX_SCAN instance keys are read. */
static void load_prefixes(topo *t)
{
	t->prefixes_loaded = 1;
	for (size_t i = 0; i < t->nodes.count; i++) {
		tnode *n = node_at(t, i);
		index_prefix(t, n->parent_id_prefix, n->instance_id);
	}
	size_t scanned = 0;
	for (size_t e = 0; e < sizeof(PREFIX_ENUMERATORS) / sizeof(*PREFIX_ENUMERATORS); e++) {
		hkey *en = NULL;
		char path[32];
		snprintf(path, sizeof(path), "Enum\\%s", PREFIX_ENUMERATORS[e]);
		if (hkey_open(t->cs, path, &en) <= 0)
			continue;
		int nhw = 0;
		hkey_subkey_count(en, &nhw);
		for (int h = 0; h < nhw && scanned < MAX_PREFIX_SCAN; h++) {
			hkey *hw = NULL;
			int ninst = 0;
			if (hkey_subkey_at(en, h, &hw) < 0)
				continue;
			if (collect_first_visit(t->sink, hw, path) > 0)
				hkey_subkey_count(hw, &ninst);
			for (int j = 0; j < ninst && scanned < MAX_PREFIX_SCAN; j++) {
				hkey *inst = NULL;
				hive_value raw;
				scanned++;
				if (hkey_subkey_at(hw, j, &inst) < 0)
					continue;
				if (collect_first_visit(t->sink, inst, path) > 0 &&
				    hkey_get_value(inst, t->a, "ParentIdPrefix", &raw) > 0)
					index_prefix(t, collect_string(t->a, &raw),
					             arena_printf(t->a, "%s\\%s\\%s",
					                          PREFIX_ENUMERATORS[e],
					                          hkey_name(hw), hkey_name(inst)));
				hkey_free(inst);
			}
			hkey_free(hw);
		}
		hkey_free(en);
	}
	if (scanned >= MAX_PREFIX_SCAN)
		collect_limit(t->sink, "%s: more than %d instance keys under "
		              "Enum\\ACPI, ACPI_HAL and ROOT; the rest were not "
		              "searched for parents", t->cs_name, MAX_PREFIX_SCAN);
}

/* "4&2509f6e&0&00A8" (the last part of an instance id) -> "4&2509f6e&0". */
static const char *child_prefix(topo *t, const char *instance_id)
{
	const char *name = strrchr(instance_id, '\\');
	name = name ? name + 1 : instance_id;
	const char *amp = strrchr(name, '&');
	return amp && amp > name ? arena_strndup(t->a, name, (size_t)(amp - name))
	                         : NULL;
}

/* Link node i to the node at index p (found or just read). */
static void set_parent(topo *t, size_t i, long p, const char *id,
                       const char *source, size_t loaded_from)
{
	tnode *n = node_at(t, i);
	n->parent = p;
	n->parent_id = id;
	n->parent_source = source;
	if ((size_t)p >= loaded_from)   /* read for this link */
		node_at(t, (size_t)p)->hops = n->hops + 1;
}

/* Find the parent of node i: its LastKnownParent, else the node whose
 * ParentIdPrefix starts its instance name.  Ancestors are read at most
 * MAX_DEPTH links above a PCI device. */
static void resolve_parent(topo *t, size_t i)
{
	tnode *n = node_at(t, i);
	const char *prefix = child_prefix(t, n->instance_id);
	int has_lkp = n->lkp != NULL && n->lkp[0] != '\0';
	if (!has_lkp && prefix == NULL)
		return;
	if (n->hops >= MAX_DEPTH) {
		n->parent_problem = "its parent chain is deeper than 64 links";
		warn(t, "%s: the parent chain above %s is deeper than %d links; cut "
		     "there", t->cs_name, n->instance_id, MAX_DEPTH);
		return;
	}
	size_t before = t->nodes.count;
	long lkp = 0;
	if (has_lkp) {
		lkp = find_or_load(t, n->lkp);
		if (lkp >= 0) {
			set_parent(t, i, lkp, n->lkp, "LastKnownParent", before);
			return;
		}
	}
	long p = -1;
	size_t k;
	const char *id = NULL;
	if (prefix != NULL) {
		if (!t->prefixes_loaded)
			load_prefixes(t);
		if (strmap_get(&t->by_prefix, prefix, &k)) {
			id = arena_strlist_items(&t->prefix_ids)[k];
			before = t->nodes.count;
			p = find_or_load(t, id);
		}
	}
	if (p >= 0 && (size_t)p != i)
		set_parent(t, i, p, id, "ParentIdPrefix", before);
	if (!has_lkp)
		return;
	n = node_at(t, i);
	warn(t, "%s: LastKnownParent of %s names %s, which %s; %s", t->cs_name,
	     n->instance_id, n->lkp, load_failure(lkp), n->parent >= 0
	     ? "its parent was found by ParentIdPrefix instead"
	     : "the chain stops there");
	if (n->parent < 0) {
		n->parent_id = n->lkp;
		n->parent_source = "LastKnownParent";
		n->parent_problem = arena_printf(t->a, "the LastKnownParent it names %s",
		                                 load_failure(lkp));
	}
}

/* Cut node n from its parent (a loop, or a chain too deep). */
static void cut(topo *t, tnode *n, const tnode *start, int loop)
{
	n->parent_problem = loop ? "its parent chain loops back here"
	                         : "its parent chain is deeper than 64 links";
	warn(t, "%s: the parent chain above %s %s; cut at %s", t->cs_name,
	     start->instance_id, loop ? "loops" : "is too deep", n->instance_id);
	n->parent = -1;
}

/* Depth of every node; cut loops and over-deep chains.  Iterative: walk up
 * from each node until a node of known depth, a root or a repeat. */
static int assign_depths(topo *t)
{
	size_t count = t->nodes.count;
	size_t *path = malloc((MAX_DEPTH + 2) * sizeof(*path));
	unsigned *seen = calloc(count + 1, sizeof(*seen));
	if (path == NULL || seen == NULL) {
		free(path);
		free(seen);
		return -1;
	}
	for (size_t start = 0; start < count; start++) {
		size_t len = 0, cur = start;
		unsigned stamp = (unsigned)start + 1;
		while (node_at(t, cur)->depth < 0) {
			tnode *n = node_at(t, cur);
			seen[cur] = stamp;
			path[len++] = cur;
			if (n->parent < 0)
				break;
			size_t up = (size_t)n->parent;
			if (seen[up] == stamp || len > MAX_DEPTH) {
				cut(t, n, node_at(t, start), seen[up] == stamp);
				break;
			}
			cur = up;
		}
		if (len == 0)
			continue;   /* reached through an earlier walk */
		/* path[len-1] is a root or sits below a node of known depth */
		tnode *top = node_at(t, path[len - 1]);
		int base = top->parent >= 0 ? node_at(t, (size_t)top->parent)->depth + 1 : 0;
		if (base + (int)len - 1 > MAX_DEPTH) {
			cut(t, top, node_at(t, start), 0);
			base = 0;
		}
		for (size_t k = len; k-- > 0;)
			node_at(t, path[k])->depth = base + (int)(len - 1 - k);
	}
	free(path);
	free(seen);
	return 0;
}

/* ---- Exposure -------------------------------------------------------------------- */

static const char *label(topo *t, const tnode *n)
{
	return n->description ? arena_printf(t->a, "%s (%s)", n->instance_id,
	                                     n->description)
	                      : n->instance_id;
}

/* Add evidence of strength v: a stronger verdict replaces the evidence so
 * far; the nearest EVIDENCE_MAX lines are kept. */
static void consider(topo *t, tnode *n, dmar_exposure_verdict v,
                     const char *evidence)
{
	if (evidence == NULL || v < n->verdict)
		return;
	if (v > n->verdict) {
		n->verdict = v;
		arena_strlist_init(&n->evidence);
	}
	if (arena_strlist_count(&n->evidence) < EVIDENCE_MAX)
		arena_strlist_add(t->a, &n->evidence, evidence);
}

/* What the node itself shows. */
static void own_evidence(topo *t, tnode *n)
{
	if (n->tunneled == 1)
		consider(t, n, DMAR_EXPOSURE_EXTERNAL,
		         arena_printf(t->a, "%s is tunnelled over USB4/Thunderbolt "
		                      "(IsTunneledDevice is true)", n->instance_id));
	if (n->container_id == NULL)
		return;
	if (text_casecmp(n->container_id, MACHINE_CONTAINER) == 0) {
		consider(t, n, DMAR_EXPOSURE_INTERNAL,
		         arena_printf(t->a, "%s is in the machine's own container %s",
		                      n->instance_id, MACHINE_CONTAINER));
	} else if (n->has_caps &&
	           (n->caps & (CAP_REMOVABLE | CAP_SURPRISE_REMOVAL_OK))) {
		consider(t, n, DMAR_EXPOSURE_LIKELY_EXTERNAL,
		         arena_printf(t->a, "%s is removable (Capabilities 0x%x) in a "
		                      "container of its own, %s (hypervisor hot-plug "
		                      "slots look the same)", n->instance_id, n->caps,
		                      n->container_id));
	}
}

/* Is child part of the same discrete Thunderbolt controller as the bridge
 * above it?  A controller is three levels deep: its upstream switch port,
 * the downstream ports below it, the functions (NHI, USB) below those.  A
 * bridge of the same family any deeper, or an upstream switch port below a
 * bridge, is another controller across a cable: a dock or enclosure built
 * on the same chip. */
static int same_controller(const tnode *child, const tnode *bridge)
{
	if (child->port == NULL || bridge->port->family[0] == '\0' ||
	    strcmp(child->port->family, bridge->port->family) != 0)
		return 0;
	if (child->has_type && child->type == DMAR_PCI_TYPE_UPSTREAM_SWITCH_PORT)
		return 0;
	if (child->port->kind == PORT_TBT_BRIDGE)
		return bridge->tb_level == 0;
	return child->port->kind == PORT_TBT_FUNCTION && bridge->tb_level <= 1;
}

/* The node's level in its Thunderbolt controller (see same_controller). */
static void controller_level(tnode *n, const tnode *p)
{
	n->tb_level = p != NULL && p->port != NULL &&
	              p->port->kind == PORT_TBT_BRIDGE && same_controller(n, p)
	            ? p->tb_level + 1 : 0;
}

/* Does the parent make everything below it external? */
static const char *below_external_port(topo *t, const tnode *child,
                                       const tnode *p)
{
	if (p->port != NULL &&
	    (p->port->kind == PORT_HOST_ROUTER ||
	     p->port->kind == PORT_TUNNEL_ROOT_PORT ||
	     (p->port->kind == PORT_TBT_BRIDGE && !same_controller(child, p))))
		return arena_printf(t->a, "below %s: %s (%s)", label(t, p),
		                    p->port->description, p->port->source);
	if (p->usb4_router != NULL || p->usb4_dvsec)
		return arena_printf(t->a, "below %s, a USB4 port%s%s", label(t, p),
		                    p->usb4_router ? " of host router " : "",
		                    p->usb4_router ? p->usb4_router : "");
	return NULL;
}

/* A container of the device's own, not the machine's: Windows put it in a
 * separate enclosure. */
static int own_container(const tnode *n)
{
	return n->container_id != NULL &&
	       text_casecmp(n->container_id, MACHINE_CONTAINER) != 0;
}

/* Take the parent's verdict and evidence when it is stronger; at equal
 * strength keep the chain only for external evidence (which port made the
 * device external), not for the internal chain of machine containers.
 * 'internal' does not pass to a device in an enclosure of its own. */
static void inherit(topo *t, tnode *n, const tnode *p)
{
	consider(t, n, DMAR_EXPOSURE_EXTERNAL, below_external_port(t, n, p));
	if (p->verdict == DMAR_EXPOSURE_UNKNOWN || p->verdict < n->verdict ||
	    (p->verdict == n->verdict && p->verdict == DMAR_EXPOSURE_INTERNAL) ||
	    (p->verdict == DMAR_EXPOSURE_INTERNAL && own_container(n)))
		return;
	for (size_t k = 0; k < arena_strlist_count(&p->evidence); k++)
		consider(t, n, p->verdict, arena_strlist_items(&p->evidence)[k]);
}

/* Node indexes ordered by depth, parents before children (a counting
 * sort: depths are at most MAX_DEPTH + 1).  NULL when out of memory. */
static size_t *depth_order(topo *t)
{
	size_t count = t->nodes.count, start[MAX_DEPTH + 3] = { 0 };
	size_t *order = calloc(count + 1, sizeof(*order));
	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++)
		start[node_at(t, i)->depth + 1]++;
	for (int d = 1; d < MAX_DEPTH + 3; d++)
		start[d] += start[d - 1];
	for (size_t i = 0; i < count; i++)
		order[start[node_at(t, i)->depth]++] = i;
	return order;
}

/* ---- Results ------------------------------------------------------------------------ */

/* Publish the nodes in 'order' (parents first) into set->nodes. */
static int publish(topo *t, const size_t *order, dmar_control_set *set)
{
	size_t count = t->nodes.count;
	dmar_node *nodes = arena_calloc(t->a, count + 1, sizeof(*nodes));
	size_t *where = calloc(count + 1, sizeof(*where));   /* old -> new */
	if (nodes == NULL || where == NULL) {
		free(where);
		return -1;
	}
	for (size_t k = 0; k < count; k++)
		where[order[k]] = k;
	for (size_t k = 0; k < count; k++) {
		tnode *n = node_at(t, order[k]);
		dmar_node *out = &nodes[k];
		out->instance_id = n->instance_id;
		out->description = n->description;
		out->parent = n->parent >= 0 ? &nodes[where[n->parent]] : NULL;
		out->parent_id = n->parent_id;
		out->parent_source = n->parent_source;
		out->parent_problem = n->parent_problem;
		out->device = n->device;
		out->container_id = n->container_id;
		out->verdict = n->verdict;
		out->evidence = arena_strlist_items(&n->evidence);
		out->n_evidence = arena_strlist_count(&n->evidence);
		out->depth = n->depth;
		if (n->device != NULL) {
			dmar_device *d = n->device;
			d->node = out;
			d->parent = n->parent_id;
			d->parent_source = n->parent_source;
			d->exposure.verdict = n->verdict;
			d->exposure.evidence = arena_strlist_items(&n->evidence);
			d->exposure.n_evidence = arena_strlist_count(&n->evidence);
		}
	}
	free(where);
	set->nodes = nodes;
	set->n_nodes = count;
	return 0;
}

int topology_build(hkey *cs, collect_sink *sink, const id_list *ports,
                   dmar_control_set *set)
{
	topo t;
	memset(&t, 0, sizeof(t));
	t.sink = sink;
	t.a = sink->arena;
	t.cs = cs;
	t.cs_name = set->name;
	t.ports = ports;
	arena_vec_init(&t.nodes, sizeof(tnode));
	strmap_init(&t.by_id);
	strmap_init(&t.by_prefix);
	arena_strlist_init(&t.prefix_ids);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < set->n_devices; i++)
		rc = add_device_node(&t, &set->devices[i]);
	for (size_t i = 0; rc == 0 && i < t.nodes.count; i++)   /* grows */
		resolve_parent(&t, i);
	if (rc == 0)
		rc = assign_depths(&t);
	size_t *order = rc == 0 ? depth_order(&t) : NULL;
	if (order == NULL)
		rc = -1;
	/* parents before children, so each inherits a finished verdict */
	for (size_t k = 0; rc == 0 && k < t.nodes.count; k++) {
		tnode *n = node_at(&t, order[k]);
		const tnode *p = n->parent >= 0 ? node_at(&t, (size_t)n->parent) : NULL;
		controller_level(n, p);
		own_evidence(&t, n);
		if (p != NULL)
			inherit(&t, n, p);
	}
	if (t.notes > MAX_NOTES)
		warn_always(&t, "%s: %zu more notes on the device tree were left out",
		            t.cs_name, t.notes - MAX_NOTES);
	if (rc == 0)
		rc = publish(&t, order, set);
	free(order);
	strmap_free(&t.by_id);
	strmap_free(&t.by_prefix);
	return rc == 0 && !arena_failed(t.a) ? 0 : -1;
}
