use kefu_server::{config::Config, startup::Application};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("kefu: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let password = std::env::var("KEFU_COMPANY_PASSWORD").ok().filter(|p| !p.is_empty());
    match kefu_server::cli::run(&args, &config, password).await {
        None => {}
        Some(Ok(done)) => {
            println!("{done}");
            return;
        }
        Some(Err(e)) => {
            eprintln!("kefu: {e}");
            std::process::exit(2);
        }
    }
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("kefu: cannot start: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = app.run_until_stopped(kefu_server::startup::shutdown_signal()).await {
        eprintln!("kefu: server error: {e}");
        std::process::exit(1);
    }
}
