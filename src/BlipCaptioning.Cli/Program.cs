using BlipCaptioning.Cli;

return await BlipCli.CreateRootCommand().Parse(args).InvokeAsync();
