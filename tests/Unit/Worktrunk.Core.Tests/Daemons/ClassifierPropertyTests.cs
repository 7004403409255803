using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;
using Worktrunk.Daemons;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// Property: over generated worlds (repositories, worktree sets in every state, symlinked
    /// paths on both sides, failures of `git worktree list`, unresolvable git dirs, socketDir and
    /// bare-name sockets, nested git dirs) the classifier never selects a daemon that serves a live
    /// worktree, never claims Live for one that does not, and the sweep scope never reaches
    /// another repository's daemon.
    /// </summary>
    public sealed class ClassifierPropertyTests
    {
        private const int Scenarios = 10_000;

        /// <summary>One linked worktree: what happened to it, and how paths to it are spelled.</summary>
        private sealed record WorktreeSpec(bool DirDeleted, bool RegistrationDeleted, bool Locked, bool Unresolved, int PathAlias, int SocketAlias, bool HasDaemon, bool SocketDirDaemon);

        private sealed record RepoSpec(bool Bare, bool ListingFails, bool MainDaemon, int MainAlias, bool ModuleDaemon, WorktreeSpec[] Worktrees);

        private sealed record WorldSpec(RepoSpec[] Repos, int Scope, int BareNameDaemons, int StrangerDaemons, bool RootAlias);

        private static readonly Gen<WorktreeSpec> GenWorktree =
            Gen.Select(Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 4], Gen.Int[0, 11], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 4], Gen.Int[0, 4])
               .Select((dirDeleted, reg, locked, unresolved, pathAlias, socketAlias, daemon, socketDir) =>
                   new WorktreeSpec(dirDeleted, reg == 0, locked == 0, unresolved == 0, pathAlias, socketAlias, daemon != 0, socketDir == 0));

        private static readonly Gen<RepoSpec> GenRepo =
            Gen.Select(Gen.Int[0, 4], Gen.Int[0, 4], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 5], GenWorktree.Array[0, 6])
               .Select((bare, fails, mainDaemon, mainAlias, module, wts) => new RepoSpec(bare == 0, fails == 0, mainDaemon, mainAlias, module == 0, wts));

        private static readonly Gen<WorldSpec> GenWorld =
            Gen.Select(GenRepo.Array[1, 3], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Bool)
               .Select((repos, scope, bare, strangers, rootAlias) => new WorldSpec(repos, scope % repos.Length, bare, strangers, rootAlias));

        /// <summary>A daemon in the generated world and the truth about it.</summary>
        private sealed record Daemon(string? Socket, bool TrulyLive, int? Repo);

        [Fact]
        public void Never_selects_a_live_daemon_over_ten_thousand_generated_worlds()
        {
            var worlds = 0;
            var orphansSeen = 0;
            var liveSeen = 0;
            var liveNotClaimedLive = 0;
            var leftOutEarly = 0;
            GenWorld.Sample(
                world =>
                {
                    Interlocked.Increment(ref worlds);
                    var (fs, listings, daemons, commons) = Build(world);
                    var scope = commons[world.Scope];
                    var scopeLive = listings.For(scope).LiveSetFor(fs);
                    foreach (var d in daemons)
                    {
                        var v = DaemonClassifier.Classify(d.Socket, scope, fs, listings);
                        var selected = DaemonClassifier.InSweepScope(v, d.Socket, scope);
                        var orphaned = v.State == WtDaemonState.OrphanedGitDirGone || v.State == WtDaemonState.OrphanedWorktreeRemoved;

                        // The shortcut that leaves a socket out unasked (TakeWanted) only ever leaves out a non-orphan.
                        if (scopeLive != null && DaemonClassifier.InLiveGitDir(d.Socket, fs, scopeLive))
                        {
                            Interlocked.Increment(ref leftOutEarly);
                            Assert.False(orphaned, $"{d.Socket} left out as in a live git dir, but classified {v.State}: {v.Reason}");
                            Assert.False(DaemonClassifier.InDefaultView(v, scope), $"{d.Socket} left out as in a live git dir, but in the default view");
                        }

                        if (d.TrulyLive)
                        {
                            Interlocked.Increment(ref liveSeen);
                            Assert.False(orphaned, $"live daemon {d.Socket} classified {v.State}: {v.Reason}");
                            Assert.False(selected, $"live daemon {d.Socket} selected for reaping");
                            if (v.State != WtDaemonState.Live)
                            {
                                Interlocked.Increment(ref liveNotClaimedLive);
                            }
                        }
                        else
                        {
                            Assert.NotEqual(WtDaemonState.Live, v.State);
                            if (orphaned)
                            {
                                Interlocked.Increment(ref orphansSeen);
                            }
                        }

                        if (selected && d.Repo.HasValue)
                        {
                            Assert.True(d.Repo == world.Scope, $"{d.Socket} of repository {d.Repo} selected by the sweep of {world.Scope}");
                        }
                    }
                },
                iter: Scenarios,
                threads: 1);

            Assert.True(worlds >= Scenarios, "only " + worlds + " worlds were generated");

            // The generator exercises both sides of the rule, so the property is not vacuous.
            Assert.True(orphansSeen > Scenarios / 2, "orphans seen: " + orphansSeen);
            Assert.True(liveSeen > Scenarios / 2, "live daemons seen: " + liveSeen);
            Assert.True(liveNotClaimedLive > 0, "no live daemon was ever protected by Unknown (listing failures not exercised)");
            Assert.True(leftOutEarly > Scenarios / 4, "sockets in a live git dir seen: " + leftOutEarly);
        }

        private static (ModelFileSystem, ModelListings, List<Daemon>, string[]) Build(WorldSpec world)
        {
            var fs = new ModelFileSystem();
            var listings = new ModelListings();
            var daemons = new List<Daemon>();
            var commons = new string[world.Repos.Length];
            fs.Mkdir("/w/sock");
            if (world.RootAlias)
            {
                fs.Symlink("/top", "/w");
            }

            for (var i = 0; i < world.Repos.Length; i++)
            {
                var r = world.Repos[i];
                var root = "/w/r" + i;
                var common = r.Bare ? root + ".git" : root + "/.git";
                commons[i] = common;
                fs.Mkdir(r.Bare ? common : root);
                fs.GitDir(common, common);
                fs.Symlink("/w/a" + i, r.Bare ? common : root);

                string Alias(string real, int kind)
                {
                    var top = r.Bare ? common : root;
                    if (kind == 1 && (real == top || real.StartsWith(top + "/", StringComparison.Ordinal)))
                    {
                        return "/w/a" + i + real.Substring(top.Length);
                    }

                    if (kind == 2 && world.RootAlias)
                    {
                        return "/top" + real.Substring(2);
                    }

                    return real;
                }

                var entries = new List<WorktreeFact>();
                if (r.Bare)
                {
                    entries.Add(new WorktreeFact(common, null, isBare: true, isPrunable: false, isLocked: false));
                }
                else
                {
                    entries.Add(new WorktreeFact(Alias(root, r.MainAlias), Alias(common, r.MainAlias), false, false, false));
                }

                if (r.MainDaemon)
                {
                    // A daemon in the common dir of a bare repository serves nothing.
                    daemons.Add(new Daemon(Alias(common, r.MainAlias) + "/" + FsmonitorSocket.FileName, !r.Bare, i));
                }

                if (r.ModuleDaemon && !r.Bare)
                {
                    // A submodule's git dir nested in the common dir: its own repository, treated as live.
                    var module = common + "/modules/m";
                    fs.GitDir(module, module);
                    fs.Mkdir(root + "/m");
                    listings.ByCommonDir[module] = WorktreeListing.Of(module, new List<WorktreeFact> { new WorktreeFact(root + "/m", module, false, false, false) });
                    daemons.Add(new Daemon(module + "/" + FsmonitorSocket.FileName, true, null));
                }

                for (var k = 0; k < r.Worktrees.Length; k++)
                {
                    var w = r.Worktrees[k];
                    var dir = root + "-k" + k;
                    var registration = common + "/worktrees/k" + k;
                    fs.Mkdir(dir);
                    fs.GitDir(registration, common);
                    if (w.DirDeleted)
                    {
                        fs.RemoveTree(dir);
                    }

                    if (w.RegistrationDeleted)
                    {
                        fs.RemoveTree(registration);
                    }
                    else
                    {
                        var prunable = w.DirDeleted && !w.Locked;
                        entries.Add(new WorktreeFact(Alias(dir, w.PathAlias), w.Unresolved ? null : Alias(registration, w.PathAlias), false, prunable, w.Locked));
                    }

                    // Truth: registered and its directory is there. (A locked worktree with a missing
                    // directory is not live by the definition, but must not be reaped either: checked
                    // by the "locked" unit test; here it only has to stay out of Live claims.)
                    var trulyLive = !w.RegistrationDeleted && !w.DirDeleted;
                    if (w.HasDaemon)
                    {
                        daemons.Add(new Daemon(Alias(registration, w.SocketAlias) + "/" + FsmonitorSocket.FileName, trulyLive, i));
                    }

                    if (w.SocketDirDaemon)
                    {
                        // git names it after the real worktree path; it is never an orphan.
                        daemons.Add(new Daemon("/w/sock/.git-fsmonitor-" + LiveSet.Sha1Hex(dir), true, null));
                    }
                }

                listings.ByCommonDir[common] = r.ListingFails ? WorktreeListing.Failed(common, "simulated failure") : WorktreeListing.Of(common, entries);
            }

            for (var b = 0; b < world.BareNameDaemons; b++)
            {
                daemons.Add(new Daemon(b == 0 ? null : FsmonitorSocket.FileName, false, null));
            }

            for (var s = 0; s < world.StrangerDaemons; s++)
            {
                // Sockets whose owner cannot be known: they may serve anything, so they count as live.
                daemons.Add(new Daemon("/w/sock/.git-fsmonitor-" + new string((char)('0' + s), 40), true, null));
                daemons.Add(new Daemon("/elsewhere/repo" + s + "/.git/" + FsmonitorSocket.FileName, false, null));
            }

            return (fs, listings, daemons, commons);
        }
    }
}
