// One VM live migration under SimGrid 3.32's VM live-migration plugin, for
// vnmig's reference data (see README.md beside this file).
//
// Usage: precopy RAM_BYTES LINK_BYTES_PER_S DIRTY_BYTES_PER_S WORKING_SET_BYTES [SimGrid --cfg/--log flags]
//
// Two hosts of 1 Gflop/s joined by one link of the given bandwidth and zero
// latency. The VM (1 core) runs one task that computes for longer than the
// plugin's 1e7 s time-out; the plugin dirties migration_speed x intensity
// bytes per second of computation, capped at the working set, so the
// intensity is set to DIRTY / migration_speed. The migration speed (the cap
// of each transfer's rate) is twice the link, so the link decides the rate.
// Run with --cfg=network/model:CM02 --cfg=network/crosstraffic:0 for a link
// that carries exactly its bandwidth (LV08's 0.97 factor and TCP
// cross-traffic would shave 3 % and 5 %).
//
// Prints "total_seconds <t> downtime_seconds <d>" (the VM's suspend to
// resume) with 9 decimals when the migration completes.

#include <simgrid/plugins/live_migration.h>
#include <simgrid/s4u.hpp>
#include <simgrid/s4u/VirtualMachine.hpp>

#include <cstdio>
#include <cstdlib>

namespace sg4 = simgrid::s4u;

static double suspended_at = -1;
static double resumed_at   = -1;

int main(int argc, char* argv[])
{
  sg4::Engine e(&argc, argv);
  sg_vm_live_migration_plugin_init();
  if (argc != 5) {
    fprintf(stderr, "usage: %s RAM_BYTES LINK_BYTES_PER_S DIRTY_BYTES_PER_S WORKING_SET_BYTES [flags]\n", argv[0]);
    return 2;
  }
  const double ram         = atof(argv[1]);
  const double link        = atof(argv[2]);
  const double dirty       = atof(argv[3]);
  const double working_set = atof(argv[4]);
  const double flops       = 1e9;

  auto* zone = sg4::create_full_zone("world");
  auto* pm0  = zone->create_host("pm0", flops);
  auto* pm1  = zone->create_host("pm1", flops);
  auto* wire = zone->create_link("link", link)->set_latency(0);
  zone->add_route(pm0->get_netpoint(), pm1->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(wire)}, true);
  zone->seal();

  sg4::VirtualMachine::on_suspend_cb([](sg4::VirtualMachine const&) { suspended_at = sg4::Engine::get_clock(); });
  sg4::VirtualMachine::on_resume_cb([](sg4::VirtualMachine const&) { resumed_at = sg4::Engine::get_clock(); });

  sg4::Actor::create("main", pm0, [=]() {
    auto* vm = pm0->create_vm("vm", 1);
    vm->set_ramsize(static_cast<sg_size_t>(ram));
    vm->start();
    const double mig_speed = 2 * link;
    sg_vm_set_migration_speed(vm, mig_speed);
    sg_vm_set_dirty_page_intensity(vm, dirty / mig_speed);
    sg_vm_set_working_set_memory(vm, static_cast<sg_size_t>(working_set));
    sg4::Actor::create("dirtier", vm, [=]() { sg4::this_actor::execute(flops * 3e7); });
    const double start = sg4::Engine::get_clock();
    sg_vm_migrate(vm, pm1);
    const double end = sg4::Engine::get_clock();
    printf("total_seconds %.9f downtime_seconds %.9f\n", end - start, resumed_at - suspended_at);
    fflush(stdout);
    vm->destroy();
  });
  e.run();
  return 0;
}
