// Contract: while a tether is supervised, SIGTERM and SIGHUP to this process first tear the
// tree down, then take their default course (the process still terminates). .NET does not raise
// AppDomain.ProcessExit for these signals; PosixSignalRegistration (.NET 6+, so PowerShell 7.2+)
// is the only managed hook, and this assembly targets netstandard2.0, so it is reached by
// reflection ("light-up"). Where it is missing (Windows PowerShell 5.1, Windows) nothing is
// registered: the guardian (Unix) or the Job Object (Windows) still tears the tree down when
// the process dies.
// Signal discipline: the handler never cancels the signal; it only delays the default action
// until the supervisor's teardown finished (bounded by the grace period plus a margin).

using System;
using System.Collections.Generic;
using System.Reflection;
using Worktrunk.Interop;

namespace Worktrunk.Tether
{
    /// <summary>Registers a blocking "tear down first" handler for SIGTERM and SIGHUP, when the runtime offers PosixSignalRegistration.</summary>
    internal static class TerminationSignals
    {
        private static readonly Lazy<(MethodInfo Create, Type Signal, Type Action)?> s_api = new Lazy<(MethodInfo, Type, Type)?>(Find);

        /// <summary>True when the running runtime has PosixSignalRegistration.</summary>
        internal static bool Available => !Platform.IsWindows && s_api.Value.HasValue;

        /// <summary>Runs <paramref name="beforeTermination"/> (which may block) when SIGTERM or SIGHUP arrives; dispose to unregister. Null when unavailable.</summary>
        internal static IDisposable? Register(Action beforeTermination)
        {
            if (!Available)
            {
                return null;
            }

            var (create, signalType, actionType) = s_api.Value!.Value;
            var handler = Delegate.CreateDelegate(actionType, new Handler(beforeTermination), typeof(Handler).GetMethod(nameof(Handler.Invoke))!);
            var registrations = new List<IDisposable>();
            try
            {
                foreach (var name in new[] { "SIGTERM", "SIGHUP" })
                {
                    registrations.Add((IDisposable)create.Invoke(null, new[] { Enum.Parse(signalType, name), handler })!);
                }
            }
            catch (TargetInvocationException)
            {
                // An unsupported signal on this platform: keep what registered.
            }

            return new Registrations(registrations);
        }

        private static (MethodInfo, Type, Type)? Find()
        {
            foreach (var assembly in new[] { "System.Runtime.InteropServices", "System.Runtime" })
            {
                var registration = Type.GetType("System.Runtime.InteropServices.PosixSignalRegistration, " + assembly, throwOnError: false);
                var signal = Type.GetType("System.Runtime.InteropServices.PosixSignal, " + assembly, throwOnError: false);
                var context = Type.GetType("System.Runtime.InteropServices.PosixSignalContext, " + assembly, throwOnError: false);
                if (registration == null || signal == null || context == null)
                {
                    continue;
                }

                var action = typeof(Action<>).MakeGenericType(context);
                var create = registration.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, null, new[] { signal, action }, null);
                if (create != null)
                {
                    return (create, signal, action);
                }
            }

            return null;
        }

        private sealed class Handler
        {
            private readonly Action _action;

            internal Handler(Action action)
            {
                _action = action;
            }

            // Bound to Action<PosixSignalContext> (a parameter of type object accepts the context).
            public void Invoke(object context) => _action();
        }

        private sealed class Registrations : IDisposable
        {
            private readonly List<IDisposable> _items;

            internal Registrations(List<IDisposable> items)
            {
                _items = items;
            }

            public void Dispose()
            {
                foreach (var r in _items)
                {
                    r.Dispose();
                }

                _items.Clear();
            }
        }
    }
}
